using System.Text.Json;
using System.Text.Json.Serialization;

namespace NativeBn.Service.Serving;

/// <summary>JSON of the service's own response types, generated at build time (camelCase, no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ModelInfo[]))]
[JsonSerializable(typeof(ReloadResult))]
internal sealed partial class ServiceJsonContext : JsonSerializerContext;
