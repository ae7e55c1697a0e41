using NativeBn.Kernels.Operators;
using NativeBn.Model;
using NativeBn.Model.Nodes;

namespace NativeBn.Kernels;

/// <summary>
/// A 2-D convolution prepared for one input size: weights re-laid out once (<see cref="PackedGemm.Pack"/> per group,
/// or per channel for depthwise convolutions), then <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Activation, int)"/> per sample <c>[C, H, W]</c> into
/// <c>[M, OH, OW]</c>. Grouped and dense convolutions are an implicit GEMM over each group's input laid out by
/// <see cref="PhaseLayout"/> (on the panel <see cref="PackedGemm.PanelFor"/> picks for the group's outputs and
/// columns), with the bias and an optional activation (ReLU, ReLU6, Clip) fused, except that a dense convolution
/// whose input channels are a multiple of 8, whose kernel is larger than 1x1 and whose output channels fill more than
/// half a panel runs on <see cref="BlockedConvolution"/> (the input transposed into blocks of 8 channels); a 1x1 convolution of
/// stride 1 without padding reads the input and writes the output in place for its whole GEMM panels of positions, and
/// runs the positions left over through a one-panel copy; a convolution with output rows of 14 runs on
/// <see cref="PositionTiles"/> (the same sums, output channels along the vectors). Depthwise convolutions run
/// directly: on blocks of 8 channels (<see cref="DepthwiseInterleaved"/>, AVX2) for small output planes and for windows the
/// row kernels do not take, along rows (<see cref="Depthwise3x3"/> and <see cref="Depthwise3x3Stride2"/> for 3x3 windows
/// of padding 1 and stride 1 or 2), else <see cref="SlidingWindow"/> with <see cref="DepthwiseTaps"/>. A convolution
/// that is not depthwise may add a residual to its outputs (a ResNet block's sum) before the activation, while they are
/// in cache: the same bits as the addition after it. A sample is computed alone in a fixed order, so its result does
/// not depend on the batch it arrives in.
/// </summary>
internal sealed class PackedConvolution
{
    /// <summary>
    /// Channels ahead of the one being moved whose output rows <see cref="Keep"/> prefetches. Measured on ResNet-18
    /// (Intel Xeon, AVX-512): 2 and 4 halve the time of moving results that have no residual; 4 was the fastest.
    /// </summary>
    private const int KeepAhead = 4;

    /// <summary>Least floats a thread takes from a shared copy around a GEMM.</summary>
    private const long FloatsPerCopyChunk = 1L << 15;

    /// <summary>
    /// Most output positions per plane for which a 3x3 depthwise convolution runs on channel blocks
    /// (<see cref="DepthwiseInterleaved"/>) rather than along rows: on MobileNetV2's 7x7 outputs 1.5-2.8x faster, on
    /// 14x14 and larger about as fast or slower. Other windows always run on channel blocks where the CPU has AVX2.
    /// </summary>
    private const int InterleavedPositions = 64;

    /// <summary>Least multiply-adds a thread takes from a shared tiled convolution.</summary>
    private const long MultiplyAddsPerTileChunk = 1L << 19;

    /// <summary>Least multiply-adds a thread takes from a shared depthwise convolution.</summary>
    private const long MultiplyAddsPerChunk = 1L << 17;

    private readonly Window2d _window;
    private readonly int _channels, _outputs, _groups, _height, _width, _depth;
    private readonly SlidingWindow? _depthwise;
    private readonly IDepthwiseKernel? _direct;
    private readonly PhaseLayout? _layout;
    private readonly PositionTiles? _tiles;
    private readonly BlockedInput? _blockedInput;
    private readonly BlockedConvolution? _blocked;
    private readonly BlockedInput? _next;
    private readonly bool _readsBlocked;
    private readonly AlignedBuffer _tileWeights = new();
    private readonly bool _pointwise;
    private readonly int _panel;
    private readonly int[]? _tailTaps;
    private readonly float[] _weights;
    private readonly float[] _bias;

    /// <summary>
    /// The convolution of <paramref name="conv"/> on <paramref name="height"/> x <paramref name="width"/> inputs, its
    /// weights packed. With <paramref name="next"/> (the <see cref="BlockedInput"/> of the convolution that reads its
    /// outputs; this one must run on blocked inputs too and add no residual) it writes its outputs in that layout, padding
    /// zeroed, instead of <c>[M, OH, OW]</c>. With <paramref name="readsBlocked"/> (it runs on blocked inputs) its input
    /// is already in its own <see cref="BlockedInput"/> layout, written by the convolution before it.
    /// </summary>
    public PackedConvolution(Conv2dNode conv, int height, int width, BlockedInput? next = null, bool readsBlocked = false)
    {
        Window2d w = _window = conv.Window;
        (_channels, _outputs, _groups, _height, _width) = (conv.InputChannels, conv.OutputChannels, conv.Groups, height, width);
        int groupChannels = _channels / _groups;
        _depth = groupChannels * w.KernelHeight * w.KernelWidth;
        if (conv.Groups == conv.InputChannels && conv.Groups == conv.OutputChannels)
        {
            bool small = (long)w.OutputHeight(height) * w.OutputWidth(width) <= InterleavedPositions;
            if (ChannelBlocks.Fits && (small || !(Depthwise3x3.Fits(w, height, width) || Depthwise3x3Stride2.Fits(w, height, width))))
            {
                _direct = new DepthwiseInterleaved(w, height, width);
                ScratchLength = _direct.ScratchLength;
            }
            else if (Depthwise3x3.Fits(w, height, width))
            {
                _direct = new Depthwise3x3(height, width);
            }
            else if (Depthwise3x3Stride2.Fits(w, height, width))
            {
                _direct = new Depthwise3x3Stride2(height, width);
            }
            else
            {
                _depthwise = new SlidingWindow(w, height, width, ceilMode: false, padding: 0f);
                ScratchLength = _depthwise.ScratchLength;
            }

            _weights = new float[conv.Weight.Length];
            _bias = new float[_outputs];
        }
        else if (BlockedConvolution.Fits(conv))
        {
            _blockedInput = new BlockedInput(w, _channels, height, width);
            _blocked = new BlockedConvolution(_blockedInput, _outputs);
            _weights = [];
            _tileWeights.Get(checked((int)_blocked.WeightLength)).Clear();
            _bias = new float[_blocked.BiasLength];
            (_next, _readsBlocked) = (next, readsBlocked);
            if (next is not null && !_blocked.Feeds(next))
            {
                throw new ArgumentException($"Convolution '{conv.Name}' gives {_outputs} channels of {_blockedInput.OutputHeight}x{_blockedInput.OutputWidth}; the layout it should write holds {next.Blocks * BlockedInput.Lanes} of {next.Height}x{next.Width}.", nameof(next));
            }

            ScratchLength = checked((readsBlocked ? 0 : Lines(_blockedInput.Length)) + _blocked.ResultLength(_blocked.Units));
        }
        else
        {
            int padded = PackedGemm.PaddedRows(_outputs / _groups);
            _pointwise = w is { KernelHeight: 1, KernelWidth: 1, StrideHeight: 1, StrideWidth: 1, PadTop: 0, PadLeft: 0, PadBottom: 0, PadRight: 0 };
            var phases = new PhaseLayout(w, groupChannels, height, width, PackedGemm.Panel);
            _panel = PositionTiles.Fits(w, phases) ? PackedGemm.Panel : PackedGemm.PanelFor(_outputs / _groups, _depth, (long)phases.OutputHeight * phases.PhaseWidth);
            _layout = _panel == PackedGemm.Panel ? phases : new PhaseLayout(w, groupChannels, height, width, _panel);
            if (PositionTiles.Fits(w, _layout))
            {
                _tiles = new PositionTiles(_layout, _outputs / _groups);
                _weights = [];
                _tileWeights.Get(checked((int)(_tiles.WeightLength * _groups))).Clear();
                _bias = new float[checked(_tiles.Blocks * PackedGemm.Panel * _groups)];
                ScratchLength = checked(Lines(_layout.CopyLength) + PositionTiles.ResultLength(_tiles.Units));
            }
            else
            {
                _weights = new float[checked((long)padded * _depth * _groups)];
                _bias = new float[padded * _groups];
                if (_pointwise)
                {
                    int tail = (int)((long)height * width % _panel), panel = TailPanel(tail);
                    _tailTaps = [.. Enumerable.Range(0, _depth).Select(k => k * panel)];
                    ScratchLength = tail == 0 ? 0 : checked((long)(_depth + padded) * panel);
                }
                else
                {
                    ScratchLength = _layout.CopyLength;
                    PackedGemm.Reserve(_outputs / _groups, _panel);
                }
            }
        }

        if (_blocked is null && (next is not null || readsBlocked))
        {
            throw new ArgumentException($"Convolution '{conv.Name}' does not run on blocked inputs, so it neither reads nor writes them.", nameof(next));
        }

        Load(conv.Weight.AsSpan(), conv.Bias.AsSpan());
    }

    /// <summary>Floats of the output: <c>M·OH·OW</c>, or the length of the next convolution's layout when it writes that.</summary>
    public long OutputLength => _next?.Length ?? (long)_outputs * _window.OutputHeight(_height) * _window.OutputWidth(_width);

    /// <summary>Floats of scratch <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Activation, int)"/> needs.</summary>
    public long ScratchLength { get; }

    /// <summary>True when the convolution of <paramref name="conv"/> adds a residual to its outputs (every one that is not depthwise).</summary>
    public static bool AddsResidual(Conv2dNode conv) => !(conv.Groups == conv.InputChannels && conv.Groups == conv.OutputChannels);

    /// <summary>Re-lays out new weights <c>[M, C/G, kH, kW]</c> and bias <c>[M]</c> (a training step changed them).</summary>
    public void Load(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        if (_depthwise is not null || _direct is not null)
        {
            if (_direct is null)
            {
                weight.CopyTo(_weights);
            }
            else
            {
                _direct.LayOut(weight, _weights);
            }

            bias.CopyTo(_bias);
            return;
        }

        if (_blocked is not null)
        {
            _blocked.PackWeights(weight, bias, _tileWeights.Get((int)_blocked.WeightLength), _bias);
            return;
        }

        int groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        if (_tiles is not null)
        {
            int weights = (int)_tiles.WeightLength, biases = _tiles.Blocks * PackedGemm.Panel;
            for (int g = 0; g < _groups; g++)
            {
                _tiles.PackWeights(weight.Slice(g * groupOutputs * _depth, groupOutputs * _depth), bias.Slice(g * groupOutputs, groupOutputs),
                    _tileWeights.Get(weights * _groups).Slice(g * weights, weights), _bias.AsSpan(g * biases, biases));
            }

            return;
        }

        for (int g = 0; g < _groups; g++)
        {
            PackedGemm.Pack(weight.Slice(g * groupOutputs * _depth, groupOutputs * _depth), groupOutputs, _depth, _weights.AsSpan(g * padded * _depth, padded * _depth), _panel);
            bias.Slice(g * groupOutputs, groupOutputs).CopyTo(_bias.AsSpan(g * padded));
        }
    }

    /// <summary>
    /// One sample: <paramref name="x"/> <c>[C, H, W]</c> into <paramref name="y"/> <c>[M, OH, OW]</c>, the GEMM's column
    /// panels shared among up to <paramref name="maxThreads"/> threads (bitwise the same result for any count).
    /// </summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, Activation activation, int maxThreads = 1) =>
        Run(x, default, y, scratch, activation, maxThreads);

    /// <summary>
    /// One sample with a residual: <paramref name="y"/> <c>[M, OH, OW]</c> = activation(convolution of
    /// <paramref name="x"/> + <paramref name="residual"/> <c>[M, OH, OW]</c>), each output summed, added and clamped as
    /// a convolution, an addition and a clamp one after another give it. An empty <paramref name="residual"/> adds
    /// nothing; a depthwise convolution takes none (<see cref="AddsResidual"/>).
    /// </summary>
    public unsafe void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, Span<float> scratch, Activation activation, int maxThreads)
    {
        if (!residual.IsEmpty && residual.Length != y.Length)
        {
            throw new ArgumentException($"The residual has {residual.Length} values; the output has {y.Length}.", nameof(residual));
        }

        if (_blocked is not null)
        {
            RunBlocked(x, residual, y, scratch, activation, maxThreads);
            return;
        }

        if (_layout is null)
        {
            if (!residual.IsEmpty)
            {
                throw new ArgumentException("A depthwise convolution adds no residual.", nameof(residual));
            }

            RunDepthwise(x, y, scratch, activation, maxThreads);
            return;
        }

        if (_pointwise)
        {
            RunPointwise(x, residual, y, scratch, activation, maxThreads);
            return;
        }

        if (_tiles is not null)
        {
            RunTiles(x, residual, y, scratch, activation, maxThreads);
            return;
        }

        PhaseLayout layout = _layout;
        int plane = _height * _width, positions = layout.OutputHeight * layout.OutputWidth, columns = layout.Columns;
        int groupChannels = _channels / _groups, groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        Span<float> copy = scratch[..layout.CopyLength];
        for (int g = 0; g < _groups; g++)
        {
            ReadOnlySpan<float> input = x.Slice(g * groupChannels * plane, groupChannels * plane);
            Span<float> output = y.Slice(g * groupOutputs * positions, groupOutputs * positions);
            ReadOnlySpan<float> sum = residual.IsEmpty ? default : residual.Slice(g * groupOutputs * positions, groupOutputs * positions);
            Split(input, copy, maxThreads);
            fixed (float* po = output, ps = sum)
            {
                var keep = new KeepJob(po, ps, layout.PhaseWidth, layout.OutputHeight, layout.OutputWidth, activation);
                PackedGemm.Multiply(_weights.AsSpan(g * padded * _depth, padded * _depth), _bias.AsSpan(g * padded, padded), groupOutputs, _depth,
                    copy, layout.Taps, columns, _panel, default, 0, sum.IsEmpty ? activation : Activation.None, maxThreads, &Keep, (nint)(&keep));
            }
        }
    }

    /// <summary>
    /// A convolution on a small output plane (<see cref="PositionTiles"/>), group by group: the input split into the phase
    /// copy, then the units shared among up to <paramref name="maxThreads"/> threads in block-major order (a thread's
    /// consecutive units reuse a block's weights).
    /// </summary>
    private unsafe void RunTiles(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, Span<float> scratch, Activation activation, int maxThreads)
    {
        PositionTiles tiles = _tiles!;
        PhaseLayout layout = _layout!;
        int plane = _height * _width, positions = layout.OutputHeight * layout.OutputWidth;
        int groupChannels = _channels / _groups, groupOutputs = _outputs / _groups;
        int weights = (int)tiles.WeightLength, biases = tiles.Blocks * PackedGemm.Panel, units = tiles.Units;
        Span<float> copy = scratch[..layout.CopyLength];
        Span<float> results = scratch.Slice((int)Lines(layout.CopyLength), (int)PositionTiles.ResultLength(units));
        long perUnit = (long)RowTiles.BigRows * PackedGemm.Panel * _depth;
        var chunks = new GuidedChunks(units, maxThreads, (int)Math.Min(units, MultiplyAddsPerTileChunk / perUnit));
        for (int g = 0; g < _groups; g++)
        {
            ReadOnlySpan<float> input = x.Slice(g * groupChannels * plane, groupChannels * plane);
            Span<float> output = y.Slice(g * groupOutputs * positions, groupOutputs * positions);
            ReadOnlySpan<float> sum = residual.IsEmpty ? default : residual.Slice(g * groupOutputs * positions, groupOutputs * positions);
            Span<float> groupWeights = _tileWeights.Get(weights * _groups).Slice(g * weights, weights);
            Split(input, copy, maxThreads);
            if (maxThreads <= 1 || chunks.Count <= 1)
            {
                tiles.Multiply(copy, groupWeights, _bias.AsSpan(g * biases, biases), results, sum, output, activation, 0, units);
                continue;
            }

            fixed (float* pc = copy, pr = results, pw = groupWeights, pb = &_bias[g * biases], ps = sum, py = output)
            {
                var job = new TileJob(pc, copy.Length, pr, results.Length, pw, weights, pb, biases, ps, sum.Length, py, output.Length, activation, chunks);
                WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &TileChunk, (nint)(&job));
            }
        }
    }

    /// <summary>
    /// A convolution on blocked inputs (<see cref="BlockedConvolution"/>): the input transposed into the blocked copy
    /// (unless it comes in that layout), its channel blocks shared among up to <paramref name="maxThreads"/> threads where
    /// there is enough to copy, then the units shared in block-major order; where the outputs go to the next
    /// convolution's layout, its padding is zeroed first.
    /// </summary>
    private unsafe void RunBlocked(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, Span<float> scratch, Activation activation, int maxThreads)
    {
        BlockedInput input = _blockedInput!;
        BlockedConvolution blocked = _blocked!;
        int weights = (int)blocked.WeightLength, units = blocked.Units;
        if (_next is not null && !residual.IsEmpty)
        {
            throw new ArgumentException("A convolution that writes the next one's blocked layout adds no residual.", nameof(residual));
        }

        ReadOnlySpan<float> copy = _readsBlocked ? x : scratch[..input.Length];
        Span<float> results = scratch.Slice(_readsBlocked ? 0 : (int)Lines(input.Length), (int)blocked.ResultLength(units));
        var copies = new GuidedChunks(input.Blocks, maxThreads, (int)Math.Min(input.Blocks, FloatsPerCopyChunk * input.Blocks / Math.Max(1, x.Length)));
        if (_readsBlocked)
        {
            if (x.Length < input.Length)
            {
                throw new ArgumentException($"A blocked input of {input.Blocks * BlockedInput.Lanes} channels of {input.Height}x{input.Width} has {input.Length} floats; x has {x.Length}.", nameof(x));
            }
        }
        else if (maxThreads <= 1 || copies.Count <= 1)
        {
            input.Split(x, scratch, 0, input.Blocks);
        }
        else
        {
            fixed (float* pi = x, pc = scratch)
            {
                var job = new SplitJob(pi, x.Length, pc, input.Length, copies);
                WorkerTeam.Shared.Run(this, copies.Count, maxThreads, &SplitChunk, (nint)(&job));
            }
        }

        _next?.ClearPadding(y, 0, _next.Blocks);
        Span<float> packed = _tileWeights.Get(weights);
        var chunks = new GuidedChunks(units, maxThreads, (int)Math.Min(units, MultiplyAddsPerTileChunk / blocked.MultiplyAddsPerUnit));
        if (maxThreads <= 1 || chunks.Count <= 1)
        {
            blocked.Multiply(copy, packed, _bias, results, residual, y, activation, 0, units, _next);
            return;
        }

        fixed (float* pc = copy, pr = results, pw = packed, pb = _bias, ps = residual, py = y)
        {
            var job = new TileJob(pc, copy.Length, pr, results.Length, pw, weights, pb, _bias.Length, ps, residual.Length, py, y.Length, activation, chunks);
            WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &BlockedChunk, (nint)(&job));
        }
    }

    private static unsafe void BlockedChunk(object owner, nint state, int chunk)
    {
        ref TileJob job = ref *(TileJob*)state;
        var convolution = (PackedConvolution)owner;
        BlockedConvolution blocked = convolution._blocked!;
        (int first, int end) = job.Chunks.Range(chunk);
        int offset = (int)blocked.ResultLength(first);
        blocked.Multiply(
            new ReadOnlySpan<float>(job.Copy, job.CopyLength), new ReadOnlySpan<float>(job.Weights, job.WeightsLength),
            new ReadOnlySpan<float>(job.Bias, job.BiasLength), new Span<float>(job.Results + offset, job.ResultsLength - offset),
            new ReadOnlySpan<float>(job.Residual, job.ResidualLength), new Span<float>(job.Output, job.OutputLength), job.Activation, first, end,
            convolution._next);
    }

    /// <summary><paramref name="floats"/> rounded up to whole cache lines (16 floats), so that the next part of a scratch starts on one.</summary>
    private static long Lines(long floats) => (floats + 15) / 16 * 16;

    private static unsafe void TileChunk(object owner, nint state, int chunk)
    {
        ref TileJob job = ref *(TileJob*)state;
        var convolution = (PackedConvolution)owner;
        (int first, int end) = job.Chunks.Range(chunk);
        int offset = (int)PositionTiles.ResultLength(first);
        convolution._tiles!.Multiply(
            new ReadOnlySpan<float>(job.Copy, job.CopyLength), new ReadOnlySpan<float>(job.Weights, job.WeightsLength),
            new ReadOnlySpan<float>(job.Bias, job.BiasLength), new Span<float>(job.Results + offset, job.ResultsLength - offset),
            new ReadOnlySpan<float>(job.Residual, job.ResidualLength), new Span<float>(job.Output, job.OutputLength), job.Activation, first, end);
    }

    /// <summary>A group of a tiled convolution shared among threads: its pinned buffers (no residual: length 0).</summary>
    private readonly unsafe struct TileJob(
        float* copy, int copyLength, float* results, int resultsLength, float* weights, int weightsLength,
        float* bias, int biasLength, float* residual, int residualLength, float* output, int outputLength, Activation activation, GuidedChunks chunks)
    {
        public readonly float* Copy = copy, Results = results, Weights = weights, Bias = bias, Residual = residual, Output = output;
        public readonly int CopyLength = copyLength, ResultsLength = resultsLength, WeightsLength = weightsLength;
        public readonly int BiasLength = biasLength, ResidualLength = residualLength, OutputLength = outputLength;
        public readonly Activation Activation = activation;
        public readonly GuidedChunks Chunks = chunks;
    }

    /// <summary>
    /// A 1x1 convolution of stride 1 without padding, group by group: the whole panels of positions read the input planes
    /// and write the output planes in place (shared among up to <paramref name="maxThreads"/> threads); the positions
    /// past the last whole panel are copied into the narrowest zero-padded panel that holds them
    /// (<see cref="TailPanel"/>) in the scratch, multiplied there and copied out. Each output is the same
    /// sum in the same order either way.
    /// </summary>
    private void RunPointwise(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, Span<float> scratch, Activation activation, int maxThreads)
    {
        int plane = _height * _width, groupChannels = _channels / _groups, groupOutputs = _outputs / _groups;
        for (int g = 0; g < _groups; g++)
        {
            RunPointwise(g, x.Slice(g * groupChannels * plane, groupChannels * plane),
                residual.IsEmpty ? default : residual.Slice(g * groupOutputs * plane, groupOutputs * plane), y.Slice(g * groupOutputs * plane, groupOutputs * plane),
                scratch, activation, maxThreads);
        }
    }

    /// <summary>
    /// Group <paramref name="g"/> of <see cref="RunPointwise(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Activation, int)"/>:
    /// <paramref name="input"/> <c>[C/G, H·W]</c> into <paramref name="output"/> <c>[M/G, H·W]</c>, a residual added
    /// to each block of whole panels in place as soon as it is final.
    /// </summary>
    private unsafe void RunPointwise(int g, ReadOnlySpan<float> input, ReadOnlySpan<float> residual, Span<float> output, Span<float> scratch, Activation activation, int maxThreads)
    {
        int plane = _height * _width, whole = plane / _panel * _panel, tail = plane - whole, panel = TailPanel(tail);
        int groupOutputs = _outputs / _groups, padded = PackedGemm.PaddedRows(groupOutputs);
        ReadOnlySpan<float> weights = _weights.AsSpan(g * padded * _depth, padded * _depth);
        ReadOnlySpan<float> bias = _bias.AsSpan(g * padded, padded);
        Activation inKernel = residual.IsEmpty ? activation : Activation.None;
        if (whole > 0)
        {
            fixed (float* po = output, ps = residual)
            {
                var sum = new KeepJob(po, ps, plane, 1, plane, activation);
                PackedGemm.Multiply(weights, bias, groupOutputs, _depth, input, _layout!.Taps, whole, _panel, output, plane, inKernel, maxThreads,
                    residual.IsEmpty ? null : &Keep, (nint)(&sum));
            }
        }

        if (tail == 0)
        {
            return;
        }

        Span<float> rows = scratch[..(_depth * panel)];
        Span<float> result = scratch.Slice(_depth * panel, groupOutputs * panel);
        for (int k = 0; k < _depth; k++)
        {
            Span<float> row = rows.Slice(k * panel, panel);
            RunCopy.Copy(input.Slice(k * plane + whole, tail), row);
            row[tail..].Clear();
        }

        PackedGemm.Multiply(weights, bias, groupOutputs, _depth, rows, _tailTaps!, panel, panel, result, panel, inKernel, maxThreads, null, 0);
        for (int m = 0; m < groupOutputs; m++)
        {
            if (residual.IsEmpty)
            {
                RunCopy.Copy(result.Slice(m * panel, tail), output.Slice(m * plane + whole, tail));
            }
            else
            {
                ElementwiseKernels.AddClamp(result.Slice(m * panel, tail), residual.Slice(m * plane + whole, tail), output.Slice(m * plane + whole, tail),
                    activation.Lower, activation.Upper);
            }
        }
    }

    /// <summary>
    /// The narrowest panel of the kind the convolution runs on (<see cref="PackedGemm.NarrowestPanel"/> or
    /// <see cref="PackedGemm.NarrowestWidePanel"/>) that holds <paramref name="tail"/> positions.
    /// </summary>
    private int TailPanel(int tail) => _panel == PackedGemm.Panel ? PackedGemm.NarrowestPanel(tail) : PackedGemm.NarrowestWidePanel(tail);

    /// <summary>
    /// A group's input split into the phase copy, its channels shared among up to <paramref name="maxThreads"/> threads
    /// where there is enough to copy.
    /// </summary>
    private unsafe void Split(ReadOnlySpan<float> input, Span<float> copy, int maxThreads)
    {
        int channels = _channels / _groups;
        var chunks = new GuidedChunks(channels, maxThreads, (int)Math.Min(channels, FloatsPerCopyChunk * channels / Math.Max(1, input.Length)));
        if (maxThreads <= 1 || chunks.Count <= 1)
        {
            _layout!.Split(input, copy, readPhasesOnly: true, 0, channels);
        }
        else
        {
            fixed (float* pi = input, pc = copy)
            {
                var job = new SplitJob(pi, input.Length, pc, copy.Length, chunks);
                WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &SplitChunk, (nint)(&job));
            }
        }

        _layout!.ClearTail(copy);
    }

    private static unsafe void SplitChunk(object owner, nint state, int chunk)
    {
        ref SplitJob job = ref *(SplitJob*)state;
        (int first, int end) = job.Chunks.Range(chunk);
        var convolution = (PackedConvolution)owner;
        var input = new ReadOnlySpan<float>(job.Input, job.InputLength);
        var copy = new Span<float>(job.Phases, job.PhasesLength);
        if (convolution._blockedInput is not null)
        {
            convolution._blockedInput.Split(input, copy, first, end);
        }
        else
        {
            convolution._layout!.Split(input, copy, readPhasesOnly: true, first, end);
        }
    }

    /// <summary>A split of a group's input shared among threads: its pinned buffers.</summary>
    private readonly unsafe struct SplitJob(float* input, int inputLength, float* phases, int phasesLength, GuidedChunks chunks)
    {
        public readonly float* Input = input, Phases = phases;
        public readonly int InputLength = inputLength, PhasesLength = phasesLength;
        public readonly GuidedChunks Chunks = chunks;
    }

    /// <summary>
    /// The outputs among the GEMM's rows [<paramref name="rowFirst"/>, <paramref name="rowEnd"/>) and columns
    /// [<paramref name="columnFirst"/>, <paramref name="columnEnd"/>) (final: the thread that computed them moves them
    /// while they are in its cache), GEMM column j of row m at <c>block[m·stride + j - columnFirst]</c>: output row i
    /// of channel m is columns <c>[i·PhaseWidth, i·PhaseWidth + OW)</c> of GEMM row m, copied, or with a residual added
    /// and then clamped by the activation (in place where the block is the output). The outputs (and residuals) of
    /// channel <c>m + </c><see cref="KeepAhead"/> that the block covers are prefetched while channel m is moved: the output
    /// is usually not in cache, and its stores would otherwise each wait for their line. Only the block's part: where
    /// threads share a pointwise convolution's panels, prefetching whole rows pulled in lines the other thread was
    /// writing (MobileNetV2 on two threads 1.5-2 % slower).
    /// </summary>
    private static unsafe void Keep(nint state, int rowFirst, int rowEnd, int columnFirst, int columnEnd, float* block, int stride)
    {
        ref KeepJob job = ref *(KeepJob*)state;
        int pw = job.PhaseWidth, ow = job.OutputWidth, oh = job.OutputHeight;
        int firstRow = columnFirst / pw, endRow = Math.Min(oh, (columnEnd + pw - 1) / pw);
        (float low, float high) = (job.Activation.Lower, job.Activation.Upper);
        nint plane = (nint)oh * ow, start = (nint)firstRow * ow + Math.Clamp(columnFirst - firstRow * pw, 0, ow);
        nint span = (nint)(endRow - 1) * ow + Math.Clamp(columnEnd - (endRow - 1) * pw, 0, ow) - start;
        for (int m = rowFirst; m < rowEnd; m++)
        {
            if (m + KeepAhead < rowEnd)
            {
                nint ahead = (m + KeepAhead) * plane + start;
                Prefetch.Lines(job.Output + ahead, span);
                if (job.Residual != null)
                {
                    Prefetch.Lines(job.Residual + ahead, span);
                }
            }

            float* result = block + (nint)m * stride - columnFirst, output = job.Output + m * plane;
            for (int i = firstRow; i < endRow; i++)
            {
                int from = Math.Max(i * pw, columnFirst), to = Math.Min(i * pw + ow, columnEnd);
                if (to <= from)
                {
                    continue;
                }

                nint at = (nint)i * ow + from - i * pw;
                if (job.Residual == null)
                {
                    RunCopy.Copy(new ReadOnlySpan<float>(result + from, to - from), new Span<float>(output + at, to - from));
                }
                else
                {
                    ElementwiseKernels.AddClamp(new ReadOnlySpan<float>(result + from, to - from), new ReadOnlySpan<float>(job.Residual + m * plane + at, to - from),
                        new Span<float>(output + at, to - from), low, high);
                }
            }
        }
    }

    /// <summary>
    /// Where a group's output and residual (null when there is none) are (pinned while it runs), how output rows lie
    /// among the GEMM's columns, and the activation that follows the residual.
    /// </summary>
    private readonly unsafe struct KeepJob(float* output, float* residual, int phaseWidth, int outputHeight, int outputWidth, Activation activation)
    {
        public readonly float* Output = output, Residual = residual;
        public readonly int PhaseWidth = phaseWidth, OutputHeight = outputHeight, OutputWidth = outputWidth;
        public readonly Activation Activation = activation;
    }

    /// <summary>
    /// A depthwise convolution, its channels shared among up to <paramref name="maxThreads"/> threads in ranges of whole
    /// channel blocks of the kernel (each channel is computed the same way, so the result is the same for any count);
    /// each share uses its thread's <see cref="KernelScratch"/>.
    /// </summary>
    private unsafe void RunDepthwise(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, Activation activation, int maxThreads)
    {
        int taps = _window.KernelHeight * _window.KernelWidth, block = _direct?.ChannelBlock ?? 1, units = (_channels + block - 1) / block;
        long work = (long)y.Length * taps;
        var chunks = new GuidedChunks(units, maxThreads, (int)Math.Min(units, MultiplyAddsPerChunk * units / Math.Max(1, work)));
        if (maxThreads <= 1 || chunks.Count <= 1)
        {
            RunChannels(x, y, scratch, 0, _channels, activation);
            return;
        }

        fixed (float* px = x, py = y)
        {
            var job = new DepthwiseJob(px, x.Length, py, y.Length, activation, chunks);
            WorkerTeam.Shared.Run(this, chunks.Count, maxThreads, &DepthwiseChunk, (nint)(&job));
        }
    }

    private static unsafe void DepthwiseChunk(object owner, nint state, int chunk)
    {
        ref DepthwiseJob job = ref *(DepthwiseJob*)state;
        var convolution = (PackedConvolution)owner;
        int channels = convolution._channels, block = convolution._direct?.ChannelBlock ?? 1;
        (int firstUnit, int endUnit) = job.Chunks.Range(chunk);
        int first = firstUnit * block, end = Math.Min(channels, endUnit * block);
        int input = job.InputLength / channels, output = job.OutputLength / channels;
        convolution.RunChannels(
            new ReadOnlySpan<float>(job.X + (nint)first * input, (end - first) * input),
            new Span<float>(job.Y + (nint)first * output, (end - first) * output),
            convolution.ScratchLength > 0 ? KernelScratch.Floats(convolution.ScratchLength) : default, first, end, job.Activation);
    }

    /// <summary>Depthwise channels [<paramref name="first"/>, <paramref name="end"/>), whose planes <paramref name="x"/> and <paramref name="y"/> hold.</summary>
    private void RunChannels(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int first, int end, Activation activation)
    {
        if (_direct is not null)
        {
            _direct.Run(x, y, end - first, first, _weights, _bias, activation, scratch);
            return;
        }

        var op = new DepthwiseTaps(_weights, _bias, _window.KernelHeight * _window.KernelWidth, activation, first);
        _depthwise!.Run(x, end - first, ref op, y, scratch, []);
    }

    /// <summary>One depthwise convolution shared among threads: its pinned input and output.</summary>
    private readonly unsafe struct DepthwiseJob(float* x, int inputLength, float* y, int outputLength, Activation activation, GuidedChunks chunks)
    {
        public readonly float* X = x, Y = y;
        public readonly int InputLength = inputLength, OutputLength = outputLength;
        public readonly GuidedChunks Chunks = chunks;
        public readonly Activation Activation = activation;
    }
}
