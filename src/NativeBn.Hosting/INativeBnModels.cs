namespace NativeBn.Hosting;

/// <summary>The models of the process by name (case-sensitive), registered as a singleton by <c>AddNativeBn</c>.</summary>
public interface INativeBnModels
{
    /// <summary>Every model's handle, in the order configured.</summary>
    IReadOnlyList<IModelHandle> All { get; }

    /// <summary>The handle of the model named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No model has that name; the message lists the names there are.</exception>
    IModelHandle Get(string name);

    /// <summary>The handle of the model named <paramref name="name"/>, or false when there is none.</summary>
    bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IModelHandle? handle);
}
