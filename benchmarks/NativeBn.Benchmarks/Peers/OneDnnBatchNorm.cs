using System.Runtime.InteropServices;
using static NativeBn.Benchmarks.Peers.OneDnnNative;

namespace NativeBn.Benchmarks.Peers;

/// <summary>
/// oneDNN batch normalization on <c>[N, C]</c>, described as <c>[N, C, 1, 1]</c> with tag <c>nhwc</c> (the layout
/// oneDNN's JIT kernels take; the plain 2-D <c>ab</c> layout falls back to its reference kernel), or on
/// <c>[N, C, H, W]</c> with tag <c>nchw</c>: forward inference with global statistics, forward training, and backward
/// (data, scale and shift), each a primitive created once and executed many times, as a C++ user of oneDNN would. The
/// tensors are the caller's buffers (the same memory NativeBn runs on, 64-byte aligned, out of place); the per-channel
/// parameters and statistics are oneDNN's own.
/// </summary>
internal sealed unsafe class OneDnnBatchNorm : IDisposable
{
    private readonly nint _engine;
    private readonly nint _stream;
    private readonly List<nint> _memories = [];
    private readonly List<nint> _primitives = [];
    private readonly List<nint> _descs = [];
    private readonly nint _inference;
    private readonly nint _training;
    private readonly nint _backward;
    private readonly ExecArg[] _inferenceArgs;
    private readonly ExecArg[] _trainingArgs;
    private readonly ExecArg[] _backwardArgs;
    private readonly List<nint> _buffers = [];
    private readonly int _channels;
    private readonly nint _scale, _shift, _mean, _variance;

    /// <summary>
    /// Primitives for <paramref name="shape"/> on the caller's tensors <paramref name="x"/>, <paramref name="y"/>,
    /// <paramref name="dy"/> and <paramref name="dx"/> (addresses of N·C·H·W floats that stay valid and fixed while this
    /// object lives; <paramref name="dy"/> and <paramref name="dx"/> may be 0 when backward is never run).
    /// </summary>
    public OneDnnBatchNorm(BnCase shape, float epsilon, nint x, nint y, nint dy, nint dx)
    {
        (int n, int c, int threads) = (shape.N, shape.C, shape.Threads);
        SetOpenMpThreads(threads);
        Check(EngineCreate(out _engine, EngineCpu, 0), "engine_create");
        Check(StreamCreate(out _stream, _engine, StreamDefaultFlags), "stream_create");
        void* dataDesc = Allocate(MemoryDescBytes);
        void* channelDesc = Allocate(MemoryDescBytes);
        long* dims = stackalloc long[MaxDims];
        dims[0] = n;
        dims[1] = c;
        dims[2] = Math.Max(1, shape.H);
        dims[3] = Math.Max(1, shape.W);
        Check(MemoryDescInitByTag(dataDesc, 4, dims, F32, shape.ChannelsFirst ? TagNchw : TagNhwc), "memory_desc_init_by_tag(data)");
        dims[0] = c;
        Check(MemoryDescInitByTag(channelDesc, 1, dims, F32, TagA), "memory_desc_init_by_tag(channel)");

        _channels = c;
        Wrap(dataDesc, x, out nint xMemory);
        Wrap(dataDesc, y, out nint yMemory);
        Wrap(dataDesc, dy, out nint dyMemory);
        Wrap(dataDesc, dx, out nint dxMemory);
        _scale = Floats(channelDesc, c, out nint scale);
        _shift = Floats(channelDesc, c, out nint shift);
        _mean = Floats(channelDesc, c, out nint mean);
        _variance = Floats(channelDesc, c, out nint variance);
        Floats(channelDesc, c, out nint dScale);
        Floats(channelDesc, c, out nint dShift);
        Variance.Fill(1f);
        Scale.Fill(1f);

        void* op = Allocate(OpDescBytes);
        Check(BatchNormForwardDescInit(op, ForwardInference, dataDesc, epsilon, UseGlobalStats | UseScale | UseShift), "forward inference desc");
        _inference = Primitive(op, 0, out _);
        _inferenceArgs = [Arg(ArgSrc, xMemory), Arg(ArgMean, mean), Arg(ArgVariance, variance), Arg(ArgScale, scale), Arg(ArgShift, shift), Arg(ArgDst, yMemory)];

        Check(BatchNormForwardDescInit(op, ForwardTraining, dataDesc, epsilon, UseScale | UseShift), "forward training desc");
        _training = Primitive(op, 0, out nint trainingDesc);
        _trainingArgs = [Arg(ArgSrc, xMemory), Arg(ArgScale, scale), Arg(ArgShift, shift), Arg(ArgDst, yMemory), Arg(ArgMean, mean), Arg(ArgVariance, variance)];

        Check(BatchNormBackwardDescInit(op, Backward, dataDesc, dataDesc, epsilon, UseScale | UseShift), "backward desc");
        _backward = Primitive(op, trainingDesc, out _);
        _backwardArgs =
        [
            Arg(ArgSrc, xMemory), Arg(ArgMean, mean), Arg(ArgVariance, variance), Arg(ArgDiffDst, dyMemory), Arg(ArgScale, scale),
            Arg(ArgShift, shift), Arg(ArgDiffSrc, dxMemory), Arg(ArgDiffScale, dScale), Arg(ArgDiffShift, dShift),
        ];
    }

    public Span<float> Scale => new((void*)_scale, _channels);

    public Span<float> Shift => new((void*)_shift, _channels);

    public Span<float> Mean => new((void*)_mean, _channels);

    public Span<float> Variance => new((void*)_variance, _channels);

    public void Infer() => Execute(_inference, _inferenceArgs);

    public void TrainForward() => Execute(_training, _trainingArgs);

    public void TrainForwardBackward()
    {
        Execute(_training, _trainingArgs);
        Execute(_backward, _backwardArgs);
    }

    public void Dispose()
    {
        foreach (nint primitive in _primitives)
        {
            PrimitiveDestroy(primitive);
        }

        foreach (nint desc in _descs)
        {
            PrimitiveDescDestroy(desc);
        }

        foreach (nint memory in _memories)
        {
            MemoryDestroy(memory);
        }

        StreamDestroy(_stream);
        EngineDestroy(_engine);
        foreach (nint buffer in _buffers)
        {
            NativeMemory.AlignedFree((void*)buffer);
        }
    }

    private void Execute(nint primitive, ExecArg[] args)
    {
        fixed (ExecArg* a = args)
        {
            Check(PrimitiveExecute(primitive, _stream, args.Length, a), "primitive_execute");
        }

        Check(StreamWait(_stream), "stream_wait");
    }

    private nint Primitive(void* op, nint hint, out nint desc)
    {
        Check(PrimitiveDescCreate(out desc, op, 0, _engine, hint), "primitive_desc_create");
        _descs.Add(desc);
        Check(PrimitiveCreate(out nint primitive, desc), "primitive_create");
        _primitives.Add(primitive);
        return primitive;
    }

    private void* Allocate(int bytes)
    {
        void* p = NativeMemory.AlignedAlloc((nuint)bytes, 64);
        NativeMemory.Clear(p, (nuint)bytes);
        _buffers.Add((nint)p);
        return p;
    }

    private nint Floats(void* desc, int count, out nint memory)
    {
        void* data = Allocate(count * sizeof(float));
        Check(MemoryCreate(out memory, desc, _engine, data), "memory_create");
        _memories.Add(memory);
        return (nint)data;
    }

    private void Wrap(void* desc, nint data, out nint memory)
    {
        Check(MemoryCreate(out memory, desc, _engine, (void*)data), "memory_create");
        _memories.Add(memory);
    }

    private static ExecArg Arg(int arg, nint memory) => new() { Arg = arg, Memory = memory };
}
