using Microsoft.ML.OnnxRuntime;

namespace NativeBn.Benchmarks.Peers;

/// <summary>
/// An ONNX Runtime session run through its lowest-overhead API: input and output <see cref="OrtValue"/>s created once
/// over pinned, pre-allocated buffers, and <c>Run</c> with pre-built name and value lists. With
/// <c>spinning: false</c> its pool threads block as soon as a run's parallel work is done instead of spinning for more
/// (ONNX Runtime's <c>session.intra_op.allow_spinning</c>), so that they leave the processors to whatever runs next in
/// the same process.
/// </summary>
internal sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;

    public OrtRunner(byte[] onnx, int threads, float[] input, long[] inputShape, float[] output, long[] outputShape, bool spinning = true)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (!spinning)
        {
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        _session = new InferenceSession(onnx, options);
        _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        _output = OrtValue.CreateTensorValueFromMemory(output, outputShape);
        _inputNames = [_session.InputMetadata.Keys.First()];
        _outputNames = [_session.OutputMetadata.Keys.First()];
        _inputs = [_input];
        _outputs = [_output];
    }

    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
