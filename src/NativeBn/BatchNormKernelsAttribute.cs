namespace NativeBn;

/// <summary>
/// Asks the NativeBn source generator (shipped in the NativeBn package as an analyzer, so a PackageReference to NativeBn
/// is all it takes) for batch-normalization kernels with constant widths in the marked <c>static partial</c> class. For each width W it emits
/// <c>InferW</c>, <c>InferReluW</c>, <c>NormalizeW</c>, <c>InputGradientW</c>, <c>StatisticsW</c> and <c>GradientSumsW</c>
/// (channels-last <c>[N, W]</c> data, the signatures of <see cref="Kernels.GenericKernels"/>), plus
/// <c>TryGetKernels(int width, out WidthKernels?)</c>. Each is one line into <see cref="Kernels.RowKernels{TWidth}"/>
/// with W as a type the JIT folds to a constant (argument checks, SIMD width choice and row geometry become
/// constants); the arithmetic is the library's, so results equal <see cref="Kernels.GenericKernels"/> bit for bit.
/// Widths run from 1 to 65,536.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BatchNormKernelsAttribute : Attribute
{
    /// <summary>Marks a class for kernels of the given widths (channel counts).</summary>
    public BatchNormKernelsAttribute(params int[] widths) => Widths = widths;

    /// <summary>The requested widths.</summary>
    public IReadOnlyList<int> Widths { get; }
}
