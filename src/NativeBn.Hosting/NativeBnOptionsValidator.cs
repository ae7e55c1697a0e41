using Microsoft.Extensions.Options;

namespace NativeBn.Hosting;

/// <summary>
/// Validates <see cref="NativeBnOptions"/> and each of its models (attributes and <c>Validate</c> methods), generated at
/// build time without reflection; registered with <c>ValidateOnStart</c> by
/// <see cref="Microsoft.Extensions.DependencyInjection.NativeBnServiceCollectionExtensions.AddNativeBn(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{NativeBnOptions})"/>.
/// </summary>
[OptionsValidator]
public sealed partial class NativeBnOptionsValidator : IValidateOptions<NativeBnOptions>;
