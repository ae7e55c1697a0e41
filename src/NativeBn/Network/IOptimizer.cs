namespace NativeBn.Network;

/// <summary>Updates parameters in place from their gradients. Implementations allocate state once, on first use.</summary>
public interface IOptimizer
{
    /// <summary>One update of every trainable parameter (the list must be the same on every call).</summary>
    void Step(IReadOnlyList<Parameter> parameters);
}
