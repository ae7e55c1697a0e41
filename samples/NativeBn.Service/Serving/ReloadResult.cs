namespace NativeBn.Service.Serving;

/// <summary>The body of a successful <c>POST /models/{name}/reload</c>: the version serving now.</summary>
public sealed record ReloadResult(string Name, long Version, string Hash);
