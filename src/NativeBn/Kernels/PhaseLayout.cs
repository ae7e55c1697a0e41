using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeBn.Model;

namespace NativeBn.Kernels;

/// <summary>
/// How a convolution reads a group of input channels as an implicit GEMM: the channels are copied zero-padded and split
/// into stride phases (padded row y, column x of channel c goes to phase (y mod sh, x mod sw) at (y / sh, x / sw)), so
/// that for every kernel tap (c, r, s) the inputs of consecutive output positions are consecutive floats starting at
/// <see cref="Taps"/>[k]. Output row i occupies columns <c>[i·PhaseWidth, i·PhaseWidth + OW)</c> of a row of
/// <see cref="Columns"/>; the columns past OW in each row are computed and dropped.
/// </summary>
internal sealed class PhaseLayout
{
    private readonly Window2d _window;
    private readonly int _height, _width, _phaseRows, _channels;
    private readonly bool[] _read;

    public PhaseLayout(Window2d window, int channels, int height, int width, int panel)
    {
        _window = window;
        (_channels, _height, _width) = (channels, height, width);
        OutputHeight = window.OutputHeight(height);
        OutputWidth = window.OutputWidth(width);
        int sh = window.StrideHeight, sw = window.StrideWidth;
        _phaseRows = (height + window.PadTop + window.PadBottom + sh - 1) / sh;
        PhaseWidth = (width + window.PadLeft + window.PadRight + sw - 1) / sw;
        long phasePlane = (long)_phaseRows * PhaseWidth;
        Columns = checked((int)(((long)OutputHeight * PhaseWidth + panel - 1) / panel * panel));
        int depth = checked(channels * window.KernelHeight * window.KernelWidth);
        Taps = new int[depth];
        _read = new bool[sh * sw];
        long furthest = 0;
        for (int c = 0, k = 0; c < channels; c++)
        {
            for (int r = 0; r < window.KernelHeight; r++)
            {
                for (int s = 0; s < window.KernelWidth; s++, k++)
                {
                    int y = r * window.DilationHeight, x = s * window.DilationWidth;
                    long tap = ((long)c * sh * sw + y % sh * sw + x % sw) * phasePlane + (long)(y / sh) * PhaseWidth + x / sw;
                    Taps[k] = checked((int)tap);
                    _read[y % sh * sw + x % sw] = true;
                    furthest = Math.Max(furthest, tap);
                }
            }
        }

        CopyLength = checked((int)Math.Max((long)channels * sh * sw * phasePlane, furthest + Columns));
    }

    /// <summary>Output rows (OH).</summary>
    public int OutputHeight { get; }

    /// <summary>Output columns (OW).</summary>
    public int OutputWidth { get; }

    /// <summary>Floats per output row in the GEMM's result (the phase planes' width, at least OW).</summary>
    public int PhaseWidth { get; }

    /// <summary>GEMM columns: <c>OH·PhaseWidth</c> rounded up to whole panels.</summary>
    public int Columns { get; }

    /// <summary>Floats of the phase copy: the phase planes, and every tap's row of <see cref="Columns"/> within it.</summary>
    public int CopyLength { get; }

    /// <summary>Offset into the copy of each GEMM row k = (c, r, s).</summary>
    public int[] Taps { get; }

    /// <summary>
    /// The group's input <c>[channels, H, W]</c> zero-padded and split into stride phases; the rest of the copy zeroed.
    /// With <paramref name="readPhasesOnly"/>, phases no tap reads (a 1x1 kernel with stride 2 reads one phase of four)
    /// are left as they were: only the dropped columns can reach them, so a forward pass may skip them, while a
    /// gradient, which multiplies every column, needs them written.
    /// </summary>
    public void Split(ReadOnlySpan<float> input, Span<float> copy, bool readPhasesOnly)
    {
        Split(input, copy, readPhasesOnly, 0, _channels);
        ClearTail(copy);
    }

    /// <summary>
    /// <see cref="Split(ReadOnlySpan{float}, Span{float}, bool)"/> for channels [<paramref name="firstChannel"/>,
    /// <paramref name="endChannel"/>) of the group's input only, leaving the rest of the copy as it is (a part of the work that
    /// threads can share; <see cref="ClearTail"/> finishes it). Without stride or padding the copy is the input itself,
    /// copied in one piece.
    /// </summary>
    public void Split(ReadOnlySpan<float> input, Span<float> copy, bool readPhasesOnly, int firstChannel, int endChannel)
    {
        Window2d w = _window;
        int sh = w.StrideHeight, sw = w.StrideWidth, phasePlane = _phaseRows * PhaseWidth;
        if (sh == 1 && sw == 1 && w.PadTop == 0 && w.PadLeft == 0 && w.PadBottom == 0 && w.PadRight == 0)
        {
            int length = (endChannel - firstChannel) * _height * _width;
            input.Slice(firstChannel * _height * _width, length).CopyTo(copy.Slice(firstChannel * phasePlane, length));
            return;
        }

        for (int c = firstChannel; c < endChannel; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * _height * _width, _height * _width);
            for (int a = 0; a < sh; a++)
            {
                for (int b = 0; b < sw; b++)
                {
                    if (readPhasesOnly && !_read[a * sw + b])
                    {
                        continue;
                    }

                    Span<float> target = copy.Slice((c * sh * sw + a * sw + b) * phasePlane, phasePlane);
                    (int first, int end) = Span(b);
                    for (int row = 0; row < _phaseRows; row++)
                    {
                        Span<float> line = target.Slice(row * PhaseWidth, PhaseWidth);
                        int h = row * sh + a - w.PadTop;
                        if ((uint)h >= (uint)_height || end <= first)
                        {
                            RunCopy.Fill(line, 0f);
                            continue;
                        }

                        ReadOnlySpan<float> source = plane.Slice(h * _width, _width);
                        RunCopy.Fill(line[..first], 0f);
                        if (sw == 1)
                        {
                            RunCopy.Copy(source.Slice(first - w.PadLeft, end - first), line[first..end]);
                        }
                        else
                        {
                            StridedCopy(source, line, first, end, sw, b - w.PadLeft);
                        }

                        RunCopy.Fill(line[end..], 0f);
                    }
                }
            }
        }

    }

    /// <summary>
    /// <c>line[t] = source[t·stride + offset]</c> for t in [<paramref name="first"/>, <paramref name="end"/>), which
    /// <see cref="Span"/> keeps inside <paramref name="source"/> (checked once here rather than per value). Stride 2
    /// runs in vectors where the CPU has AVX-512 (<see cref="IEvenOdd{TF}"/>), the values past the last whole vector one at a time.
    /// </summary>
    private static void StridedCopy(ReadOnlySpan<float> source, Span<float> line, int first, int end, int stride, int offset)
    {
        if (end <= first)
        {
            return;
        }

        if (first < 0 || end > line.Length || (long)first * stride + offset < 0 || (long)(end - 1) * stride + offset >= source.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(end), $"A strided copy of [{first}, {end}) by {stride} from {offset} leaves a row of {source.Length}.");
        }

        ref float from = ref MemoryMarshal.GetReference(source);
        ref float to = ref MemoryMarshal.GetReference(line);
        int t = first;
        if (stride == 2 && Avx512F.VL.IsSupported)
        {
            t += SimdWidth.ForRun(end - first) switch
            {
                16 => EveryOther<Simd512, Vector512<float>, Vector512<double>, Lanes16>(ref Unsafe.Add(ref from, (nint)t * 2 + offset), ref Unsafe.Add(ref to, t), end - t, source.Length - (t * 2 + offset)),
                8 => EveryOther<Simd256, Vector256<float>, Vector256<double>, Lanes8>(ref Unsafe.Add(ref from, (nint)t * 2 + offset), ref Unsafe.Add(ref to, t), end - t, source.Length - (t * 2 + offset)),
                4 => EveryOther<Simd128, Vector128<float>, Vector128<double>, Lanes4>(ref Unsafe.Add(ref from, (nint)t * 2 + offset), ref Unsafe.Add(ref to, t), end - t, source.Length - (t * 2 + offset)),
                _ => 0,
            };
        }

        for (; t < end; t++)
        {
            Unsafe.Add(ref to, t) = Unsafe.Add(ref from, (nint)t * stride + offset);
        }
    }

    /// <summary>
    /// <c>to[t] = from[2t]</c> for whole vectors of t while the two vectors loaded for each stay within the
    /// <paramref name="available"/> floats from <paramref name="from"/>, then one vector that ends at
    /// <paramref name="count"/> (rewriting values it overlaps with the same values) where its loads stay within them;
    /// returns how many values it wrote (at most <paramref name="count"/>), the rest left to the caller.
    /// </summary>
    private static int EveryOther<TS, TF, TD, TL>(ref float from, ref float to, int count, int available)
        where TS : ISimd<TF, TD>
        where TF : struct
        where TD : struct
        where TL : IEvenOdd<TF>
    {
        int w = TS.Count, t = 0;
        for (; t + w <= count && 2 * (t + w) <= available; t += w)
        {
            TS.Store(TL.Even(TS.Load(ref from, 2 * t), TS.Load(ref from, 2 * t + w)), ref to, t);
        }

        if (t < count && count >= w && 2 * count <= available)
        {
            t = count - w;
            TS.Store(TL.Even(TS.Load(ref from, 2 * t), TS.Load(ref from, 2 * t + w)), ref to, t);
            t = count;
        }

        return t;
    }

    /// <summary>Zeroes the copy past the phase planes, which the last taps' rows reach into.</summary>
    public void ClearTail(Span<float> copy) =>
        copy[(_channels * _window.StrideHeight * _window.StrideWidth * _phaseRows * PhaseWidth)..].Clear();

    /// <summary>
    /// The reverse of <see cref="Split(ReadOnlySpan{float}, Span{float}, bool)"/> for gradients: each input position of <paramref name="input"/>
    /// <c>[channels, H, W]</c> receives the value at its place in <paramref name="copy"/> (padding places are dropped).
    /// </summary>
    public void Gather(ReadOnlySpan<float> copy, Span<float> input)
    {
        Window2d w = _window;
        int sh = w.StrideHeight, sw = w.StrideWidth, phasePlane = _phaseRows * PhaseWidth;
        for (int c = 0; c < _channels; c++)
        {
            Span<float> plane = input.Slice(c * _height * _width, _height * _width);
            for (int h = 0; h < _height; h++)
            {
                int y = h + w.PadTop, a = y % sh;
                Span<float> target = plane.Slice(h * _width, _width);
                for (int b = 0; b < sw; b++)
                {
                    ReadOnlySpan<float> line = copy.Slice((c * sh * sw + a * sw + b) * phasePlane + y / sh * PhaseWidth, PhaseWidth);
                    (int first, int end) = Span(b);
                    for (int t = first; t < end; t++)
                    {
                        target[t * sw + b - w.PadLeft] = line[t];
                    }
                }
            }
        }
    }

    /// <summary>Columns [first, end) of phase column <paramref name="b"/> that hold input values (not padding).</summary>
    private (int First, int End) Span(int b)
    {
        Window2d w = _window;
        int sw = w.StrideWidth;
        int first = Math.Max(0, (w.PadLeft - b + sw - 1) / sw);
        int end = Math.Clamp((_width + w.PadLeft - b + sw - 1) / sw, first, PhaseWidth);
        return (first, end);
    }
}
