using System.Diagnostics;
using NativeBn.Benchmarks.Peers;
using NativeBn.Interop.Onnx;
using NativeBn.Network;

namespace NativeBn.Benchmarks;

/// <summary>
/// ResNet-18 and MobileNetV2 (the models of <see cref="ConvNetBenchmarks"/>), one image, NativeBn and ONNX Runtime
/// alternated prediction by prediction in one process (<c>--paired</c>): each pair runs within milliseconds, so a host
/// that slows the whole machine for seconds at a time moves both engines of a pair alike, and the median of the pairs'
/// ratios is steadier than a ratio of two medians measured minutes apart. ONNX Runtime runs with its pool threads'
/// spinning off, which does not change its own time, so that they do not take the processor NativeBn's worker needs in
/// the next measurement. Prints, per model and thread count, both engines' medians and the ratios' quartiles.
/// </summary>
internal static class PairedConvNet
{
    /// <summary>Runs <paramref name="pairs"/> measured pairs (after 5 unmeasured ones) of each model at 1 and 2 threads.</summary>
    public static void Run(string folder, int pairs)
    {
        Console.WriteLine("| model | threads | NativeBn median | ONNX Runtime median | ratio: median of pairs (quartiles) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (string model in new[] { "resnet18", "mobilenet_v2" })
        {
            string path = Path.Combine(folder, $"{model}-224-opset13-bn.onnx");
            InferencePlan plan = InferencePlan.Build(OnnxImporter.Load(path), InferenceRegime.Folded);
            var random = new Random(1);
            float[] input = [.. Enumerable.Range(0, plan.InputWidth).Select(_ => random.NextSingle() * 2 - 1)];
            float[] output = new float[plan.OutputWidth], ortOutput = new float[plan.OutputWidth];
            byte[] onnx = File.ReadAllBytes(path);
            foreach (int threads in new[] { 1, 2 })
            {
                using var ort = new OrtRunner(onnx, threads, input, [1, 3, 224, 224], ortOutput, [1, plan.OutputWidth], spinning: false);
                ort.Run();
                plan.Predict(input, output, threads);
                BenchmarkData.AssertClose(ortOutput, output, 1e-3, $"{model} against ONNX Runtime");
                var native = new double[pairs];
                var peer = new double[pairs];
                for (int i = -5; i < pairs; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    plan.Predict(input, output, threads);
                    long middle = Stopwatch.GetTimestamp();
                    ort.Run();
                    long end = Stopwatch.GetTimestamp();
                    if (i >= 0)
                    {
                        (native[i], peer[i]) = (Stopwatch.GetElapsedTime(start, middle).TotalMilliseconds, Stopwatch.GetElapsedTime(middle, end).TotalMilliseconds);
                    }
                }

                double[] ratios = [.. peer.Zip(native, (p, n) => p / n).Order()];
                Console.WriteLine($"| {model} | {threads} | {Median(native):F2} ms | {Median(peer):F2} ms | "
                    + $"**{Quantile(ratios, 0.5):F2}×** ({Quantile(ratios, 0.25):F2}–{Quantile(ratios, 0.75):F2}) |");
            }
        }
    }

    private static double Median(double[] values) => Quantile([.. values.Order()], 0.5);

    private static double Quantile(double[] sorted, double q) => sorted[(int)Math.Round(q * (sorted.Length - 1))];
}
