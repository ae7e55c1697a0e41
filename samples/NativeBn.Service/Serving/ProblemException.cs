namespace NativeBn.Service.Serving;

/// <summary>A request the service refuses: the status (4xx) and the RFC 7807 problem's title and detail.</summary>
internal sealed class ProblemException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;
}
