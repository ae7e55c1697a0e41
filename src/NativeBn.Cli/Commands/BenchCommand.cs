using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NativeBn.Cli.Demo;
using NativeBn.Cli.Bench;
using NativeBn.Datasets;
using NativeBn.Diagnostics;
using NativeBn.Network;
using NativeBn.Normalization;
using NativeBn.Serialization;

namespace NativeBn.Cli.Commands;

/// <summary>
/// <c>nativebn bench</c>: a quick benchmark (well under a minute) of the engine on this CPU: medians of timed
/// batches, with a plain scalar loop measured in the same run as the baseline for the BatchNorm cases.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file" };
        var command = new Command("bench", "Measure BatchNorm and network speed on this CPU (under a minute)") { json };
        command.SetAction(parse => Cli.Guard(context, () =>
        {
            OutputFile.Check(parse.GetValue(json), "--json");
            TextWriter o = context.Output;
            var machine = new BenchMachine(MachineInfo.Cpu(), Environment.ProcessorCount, MachineInfo.SupportedSimd(), MachineInfo.WidthUsed(), Environment.Version.ToString());
            o.WriteLine($"cpu: {machine.Cpu} ({machine.Cores} cores), .NET {machine.Runtime}");
            o.WriteLine($"simd supported: {string.Join(", ", machine.SimdSupported)}; width used: {machine.SimdWidthUsed}");
            o.WriteLine();
            o.WriteLine("| case | N | C | threads | ns/op | scalar loop ns/op | speed-up |");
            o.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            var entries = new List<BenchEntry>();
            using (var progress = new ProgressBar(context.Error, context.ShowProgress) { Stage = "benchmarking" })
            {
                (string Case, int N, int C, int Threads)[] cases =
                [
                    ("bn-infer", 1, 64, 1), ("bn-infer", 1, 256, 1), ("bn-infer", 1, 1024, 1),
                    ("bn-infer", 32, 64, 1), ("bn-infer", 32, 256, 1), ("bn-infer", 32, 1024, 1), ("bn-infer", 4096, 1024, 2),
                    ("bn-train-fwd", 32, 256, 1), ("bn-train-fwd", 4096, 1024, 2),
                    ("bn-train-fwdbwd", 32, 256, 1), ("bn-train-fwdbwd", 4096, 1024, 2),
                    ("mlp-predict", 1, 784, 1), ("mlp-train-step", 32, 784, 1),
                ];
                for (int k = 0; k < cases.Length; k++)
                {
                    var (name, n, c, threads) = cases[k];
                    BenchEntry entry = name.StartsWith("bn-", StringComparison.Ordinal) ? BatchNormCase(name, n, c, threads) : NetworkCase(name, n, c);
                    entries.Add(entry);
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {entry.Case} | {n} | {c} | {threads} | {entry.NanosecondsPerOperation:F1} | {(entry.ScalarLoopNanoseconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) : "-")} | {(entry.Speedup is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) + "×" : "-")} |"));
                    progress.Report((k + 1.0) / cases.Length);
                }
            }

            if (parse.GetValue(json) is { } file)
            {
                AtomicFile.WriteAllBytes(file.FullName, JsonSerializer.SerializeToUtf8Bytes(new BenchDocument(machine, entries), BenchJsonContext.Default.BenchDocument));
                o.WriteLine($"wrote {file.FullName}");
            }
        }));
        return command;
    }

    private static BenchEntry BatchNormCase(string name, int n, int c, int threads)
    {
        var random = new Random(1);
        float[] x = [.. Enumerable.Range(0, n * c).Select(_ => random.NextSingle() * 4 - 2)];
        float[] dy = [.. Enumerable.Range(0, n * c).Select(_ => random.NextSingle() * 2 - 1)];
        var y = new float[checked(n * c)];
        var dx = new float[checked(n * c)];
        var layer = new BatchNorm(c, new BatchNormOptions { MaxThreads = threads });
        TensorShape shape = TensorShape.Features(n, c);
        float[] gamma = layer.Gamma.ToArray(), beta = layer.Beta.ToArray(), scale = new float[c], shift = new float[c];
        layer.GetInferenceCoefficients(NormalizationStatistics.Running, scale, shift);
        var scalar = new ScalarBatchNorm(n, c, (float)layer.Options.Conventions.Epsilon);
        (Action engine, Action baseline) = name switch
        {
            "bn-infer" => ((Action)(() => layer.Infer(x, shape, y)), (Action)(() => scalar.Infer(x, scale, shift, y))),
            "bn-train-fwd" => (() => layer.Forward(x, shape, y, BatchNormMode.Training), () => scalar.TrainForward(x, gamma, beta, y)),
            _ => (() =>
            {
                layer.Forward(x, shape, y, BatchNormMode.Training);
                layer.Backward(x, dy, shape, dx);
            }, () =>
            {
                scalar.TrainForward(x, gamma, beta, y);
                scalar.Backward(x, dy, gamma, dx);
            }),
        };
        double ours = BenchTimer.MedianNanoseconds(engine);
        double plain = BenchTimer.MedianNanoseconds(baseline);
        return new BenchEntry(name, n, c, threads, ours, plain, plain / ours);
    }

    private static BenchEntry NetworkCase(string name, int n, int c)
    {
        var (train, _) = MnistSample.LoadSplit();
        Sequential model = MismatchDemo.BuildModel(DemoNetwork.Mlp, c, 10, 64, 1, BatchNormConventions.PyTorch, 0, 32);
        float[] batch = train.Rows(0, n).ToArray();
        int[] labels = train.Labels[..n].ToArray();
        var probabilities = new float[10];
        var adam = new Adam();
        model.TrainStep(train.Rows(0, 32).ToArray(), train.Labels[..32].ToArray(), adam);
        Action operation = name == "mlp-predict"
            ? () => model.Predict(batch, probabilities, InferenceRegime.Running)
            : () => model.TrainStep(batch, labels, adam);
        return new BenchEntry(name, n, c, 1, BenchTimer.MedianNanoseconds(operation), null, null);
    }
}
