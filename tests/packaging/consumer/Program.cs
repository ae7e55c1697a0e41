// A consumer of the NativeBn package as a service would use it: kernels of a constant width from the packaged source
// generator, and the engine's BatchNorm layer. Every result is checked against a plain double-precision loop written
// here; exits with 1 on any mismatch.
using Consumer;
using NativeBn;
using NativeBn.Kernels;
using NativeBn.Normalization;

const int Width = 64, Rows = 32;
var random = new Random(16);
float[] x = Values(Rows * Width, offset: 3f, spread: 2f);
float[] scale = Values(Width, offset: 1f, spread: 0.5f);
float[] shift = Values(Width, offset: 0f, spread: 1f);
int failures = 0;

var y = new float[x.Length];
ConsumerKernels.Infer64(x, scale, shift, y);
Check("generated Infer64", y, i => (double)x[i] * scale[i % Width] + shift[i % Width]);

ConsumerKernels.InferRelu64(x.AsSpan(0, 5 * Width), scale, shift, y.AsSpan(0, 5 * Width));
Check("generated InferRelu64", y.AsSpan(0, 5 * Width).ToArray(),
    i => Math.Max((double)x[i] * scale[i % Width] + shift[i % Width], 0));

var mean = new double[Width];
var m2 = new double[Width];
ConsumerKernels.Statistics64(x, mean, m2);
ReferenceStatistics(x, out double[] refMean, out double[] refVariance);
Check("generated Statistics64 mean", mean, c => refMean[c]);
Check("generated Statistics64 M2", m2, c => refVariance[c] * Rows);

bool found = ConsumerKernels.TryGetKernels(Width, out WidthKernels? kernels);
bool missing = !ConsumerKernels.TryGetKernels(Width + 1, out _);
Report("generated TryGetKernels", found && kernels is not null && missing, $"64 found {found}, 65 absent {missing}");

// The engine: one PyTorch-convention training step (batch statistics, biased variance, eps 1e-5), the running
// statistics it leaves (momentum 0.1 as the new batch's weight, unbiased variance), then inference with them.
float[] gamma = Values(Width, offset: 1f, spread: 0.5f);
float[] beta = Values(Width, offset: 0f, spread: 1f);
var bn = new BatchNorm(Width, BatchNormOptions.For(BatchNormConventions.PyTorch));
bn.SetParameters(gamma, beta);
TensorShape shape = TensorShape.Features(Rows, Width);
bn.Forward(x, shape, y, BatchNormMode.Training);
const double Eps = 1e-5;
Check("engine BatchNorm training forward", y,
    i => gamma[i % Width] * (x[i] - refMean[i % Width]) / Math.Sqrt(refVariance[i % Width] + Eps) + beta[i % Width]);
Check("engine running mean", bn.RunningMean.ToArray(), c => 0.1 * refMean[c]);
Check("engine running variance", bn.RunningVariance.ToArray(), c => 0.9 + 0.1 * refVariance[c] * Rows / (Rows - 1));

double[] runMean = bn.RunningMean.ToArray(), runVariance = bn.RunningVariance.ToArray();
bn.Infer(x.AsSpan(0, Width), TensorShape.Features(1, Width), y.AsSpan(0, Width), NormalizationStatistics.Running);
Check("engine BatchNorm inference (one sample)", y.AsSpan(0, Width).ToArray(),
    c => gamma[c] * (x[c] - runMean[c]) / Math.Sqrt(runVariance[c] + Eps) + beta[c]);

Console.WriteLine(failures == 0 ? "consumer: all checks passed" : $"consumer: {failures} checks failed");
return failures == 0 ? 0 : 1;

float[] Values(int count, float offset, float spread)
{
    var values = new float[count];
    for (int i = 0; i < count; i++)
    {
        values[i] = offset + spread * (2f * random.NextSingle() - 1f);
    }

    return values;
}

// Two passes in double: the mean, then the biased variance.
static void ReferenceStatistics(float[] values, out double[] mean, out double[] variance)
{
    mean = new double[Width];
    variance = new double[Width];
    for (int i = 0; i < values.Length; i++)
    {
        mean[i % Width] += values[i];
    }

    for (int c = 0; c < Width; c++)
    {
        mean[c] /= Rows;
    }

    for (int i = 0; i < values.Length; i++)
    {
        double d = values[i] - mean[i % Width];
        variance[i % Width] += d * d;
    }

    for (int c = 0; c < Width; c++)
    {
        variance[c] /= Rows;
    }
}

// Float results agree with the double reference to a few float roundings, relative to the magnitudes involved.
void Check<T>(string name, T[] actual, Func<int, double> expected) where T : struct, IConvertible
{
    double worst = 0;
    int worstIndex = -1;
    for (int i = 0; i < actual.Length; i++)
    {
        double a = actual[i].ToDouble(null), e = expected(i);
        double error = Math.Abs(a - e) / (Math.Abs(e) + 1.0);
        if (double.IsNaN(error))
        {
            error = double.PositiveInfinity;
        }

        if (error > worst)
        {
            worst = error;
            worstIndex = i;
        }
    }

    double tolerance = typeof(T) == typeof(float) ? 2e-6 : 1e-12;
    Report(name, worst <= tolerance, $"largest relative deviation {worst:E2} at index {worstIndex} (tolerance {tolerance:E0})");
}

void Report(string name, bool passed, string detail)
{
    Console.WriteLine($"{(passed ? "ok" : "FAIL")} {name}: {detail}");
    failures += passed ? 0 : 1;
}
