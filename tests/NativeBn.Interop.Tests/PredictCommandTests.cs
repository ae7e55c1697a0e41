using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NativeBn.Cli;
using NativeBn.Interop.Onnx;
using NativeBn.Model;
using NativeBn.Network;
using NativeBn.Normalization;

namespace NativeBn.Interop.Tests;

/// <summary>
/// <c>nativebn predict</c> on ONNX files prints what the graph computes, as ONNX Runtime (an independent
/// implementation) computes it: raw outputs for a model without Softmax, class and probabilities for one with it.
/// </summary>
public class PredictCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nativebn-predict").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ModelDescription Model(bool softmax)
    {
        var builder = new SequentialBuilder(6, seed: 5).Dense(5).BatchNorm(BatchNormOptions.For(BatchNormConventions.Onnx)).Relu().Dense(4);
        return (softmax ? builder.Softmax() : builder).Describe();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PredictPrintsTheGraphOutputAsOnnxRuntimeComputesIt(bool softmax)
    {
        byte[] onnx = OnnxExporter.Export(Model(softmax));
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, onnx);
        float[] samples = ModelFactory.Samples(7, seed: 11);
        string csv = string.Join("\n", Enumerable.Range(0, 7).Select(r =>
            string.Join(",", samples.Skip(r * 6).Take(6).Select(v => v.ToString(CultureInfo.InvariantCulture)))));

        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = NativeBn.Cli.Cli.Run(["predict", "--model", path], new CliContext(output, error, new StringReader(csv), ShowProgress: false));

        Assert.True(code == 0, error.ToString());
        string[] lines = output.ToString().Trim().Split('\n');
        Assert.Equal(softmax ? "class,p0,p1,p2,p3" : "y0,y1,y2,y3", lines[0]);
        using var session = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = 1 });
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(samples, [7, 6]))]);
        float[] expected = [.. results.First().AsEnumerable<float>()];
        for (int row = 0; row < 7; row++)
        {
            string[] fields = lines[row + 1].Split(',');
            float[] printed = [.. fields.Skip(softmax ? 1 : 0).Select(f => float.Parse(f, CultureInfo.InvariantCulture))];
            Assert.Equal(4, printed.Length);
            for (int k = 0; k < 4; k++)
            {
                float reference = expected[row * 4 + k];
                Assert.True(Math.Abs(printed[k] - reference) <= 1e-5 * Math.Max(1e-3, Math.Abs(reference)),
                    $"row {row}, output {k}: ONNX Runtime {reference:R}, nativebn predict {printed[k]:R}");
            }

            if (softmax)
            {
                Assert.Equal(Evaluation.ArgMax(expected.AsSpan(row * 4, 4)).ToString(CultureInfo.InvariantCulture), fields[0]);
            }
        }
    }
}
