using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using NativeBn.Service.Serving;

namespace NativeBn.Service.Onnx;

/// <summary>
/// An <see cref="IPredictor"/> over an ONNX Runtime session of one ONNX file: one intra-op thread, sequential
/// execution, all graph optimizations; each request thread runs through its own pinned input and output buffers
/// (<see cref="OrtValue"/>s created once per thread). A reload builds a new session and swaps it in with one reference
/// write; the replaced session is disposed a minute later, when no prediction can still be running on it.
/// </summary>
internal sealed class OnnxPredictor : IPredictor
{
    private static readonly TimeSpan DisposeDelay = TimeSpan.FromMinutes(1);

    private readonly string _path;
    private readonly Lock _reloadLock = new();
    private readonly ThreadLocal<Buffers> _buffers;
    private Loaded _current;
    private string? _lastError;
    private long _failedReloads;

    public OnnxPredictor(string name, string path)
    {
        Name = name;
        _path = path;
        _current = Load(path, 1);
        InputWidth = _current.InputWidth;
        OutputWidth = _current.OutputWidth;
        _buffers = new ThreadLocal<Buffers>(() => new Buffers(_current));
    }

    public string Name { get; }

    public int InputWidth { get; }

    public int OutputWidth { get; }

    public EngineClock Clock { get; } = new();

    public ServedVersion Predict(ReadOnlySpan<float> features, Span<float> outputs)
    {
        Loaded loaded = Volatile.Read(ref _current);
        Buffers buffers = _buffers.Value!;
        features.CopyTo(buffers.Input);
        loaded.Session.Run(buffers.RunOptions, loaded.InputNames, buffers.Inputs, loaded.OutputNames, buffers.Outputs);
        buffers.Output.AsSpan().CopyTo(outputs);
        return loaded.Version;
    }

    public LoadedModel Describe()
    {
        Loaded loaded = Volatile.Read(ref _current);
        return new(loaded.Version.Version, loaded.Version.Hash, loaded.LoadedAt, _path, Volatile.Read(ref _lastError), Interlocked.Read(ref _failedReloads));
    }

    public bool Reload(out string? error)
    {
        lock (_reloadLock)
        {
            Loaded serving = _current;
            try
            {
                Loaded next = Load(_path, serving.Version.Version + 1);
                if (next.InputWidth != InputWidth || next.OutputWidth != OutputWidth)
                {
                    next.Session.Dispose();
                    throw new InvalidDataException($"The new model of {_path} takes {next.InputWidth} inputs and gives {next.OutputWidth} outputs; the serving one {InputWidth} and {OutputWidth}.");
                }

                Volatile.Write(ref _current, next);
                Volatile.Write(ref _lastError, null);
                _ = Task.Delay(DisposeDelay).ContinueWith(_ => serving.Session.Dispose(), TaskScheduler.Default);
                error = null;
                return true;
            }
            catch (Exception e) when (e is OnnxRuntimeException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error = $"{_path}: {e.Message}";
                Volatile.Write(ref _lastError, error);
                Interlocked.Increment(ref _failedReloads);
                return false;
            }
        }
    }

    private static Loaded Load(string path, long version)
    {
        byte[] bytes = File.ReadAllBytes(path);
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        var session = new InferenceSession(bytes, options);
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return new Loaded(session, new ServedVersion(session, version, hash), DateTimeOffset.UtcNow);
    }

    /// <summary>One loaded session: names, one-sample shapes (symbolic dimensions as 1) and widths of its first input and output.</summary>
    private sealed class Loaded
    {
        public Loaded(InferenceSession session, ServedVersion version, DateTimeOffset loadedAt)
        {
            Session = session;
            Version = version;
            LoadedAt = loadedAt;
            KeyValuePair<string, NodeMetadata> input = session.InputMetadata.First();
            KeyValuePair<string, NodeMetadata> output = session.OutputMetadata.First();
            InputNames = [input.Key];
            OutputNames = [output.Key];
            InputShape = [.. input.Value.Dimensions.Select(d => d > 0 ? (long)d : 1)];
            OutputShape = [.. output.Value.Dimensions.Select(d => d > 0 ? (long)d : 1)];
            InputWidth = checked((int)InputShape.Aggregate(1L, (a, b) => a * b));
            OutputWidth = checked((int)OutputShape.Aggregate(1L, (a, b) => a * b));
        }

        public InferenceSession Session { get; }

        public ServedVersion Version { get; }

        public DateTimeOffset LoadedAt { get; }

        public string[] InputNames { get; }

        public string[] OutputNames { get; }

        public long[] InputShape { get; }

        public long[] OutputShape { get; }

        public int InputWidth { get; }

        public int OutputWidth { get; }
    }

    /// <summary>A request thread's pinned buffers and the ORT values over them (kept for the thread's life).</summary>
    private sealed class Buffers
    {
        public Buffers(Loaded shapes)
        {
            Input = GC.AllocateArray<float>(shapes.InputWidth, pinned: true);
            Output = GC.AllocateArray<float>(shapes.OutputWidth, pinned: true);
            Inputs = [OrtValue.CreateTensorValueFromMemory(Input, shapes.InputShape)];
            Outputs = [OrtValue.CreateTensorValueFromMemory(Output, shapes.OutputShape)];
        }

        public float[] Input { get; }

        public float[] Output { get; }

        public OrtValue[] Inputs { get; }

        public OrtValue[] Outputs { get; }

        public RunOptions RunOptions { get; } = new();
    }
}
