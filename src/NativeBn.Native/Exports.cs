using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeBn.Interop;
using NativeBn.Kernels;

namespace NativeBn.Native;

/// <summary>
/// The C ABI of libnativebn (documented in include/nativebn.h). Every function catches every exception and returns an
/// error code, with the message available from <c>nbn_last_error</c> on the same thread.
/// </summary>
internal static unsafe class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "nbn_model_load")]
    public static int ModelLoad(byte* path, nint* model)
    {
        try
        {
            if (path is null || model is null)
            {
                return (int)LastError.Set(ErrorCode.NullArgument, path is null ? "path is NULL." : "model is NULL.");
            }

            *model = 0;
            string file = Marshal.PtrToStringUTF8((nint)path)!;
            var loaded = new NativeModel(ModelFormats.Load(file));
            *model = GCHandle.ToIntPtr(GCHandle.Alloc(loaded));
            return Ok();
        }
        catch (Exception e)
        {
            return LastError.From(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "nbn_model_free")]
    public static void ModelFree(nint model)
    {
        if (model != 0)
        {
            GCHandle.FromIntPtr(model).Free();
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "nbn_model_input_width")]
    public static int ModelInputWidth(nint model, int* width) => Width(model, width, input: true);

    [UnmanagedCallersOnly(EntryPoint = "nbn_model_output_width")]
    public static int ModelOutputWidth(nint model, int* width) => Width(model, width, input: false);

    [UnmanagedCallersOnly(EntryPoint = "nbn_predict")]
    public static int Predict(nint model, float* sample, int sampleLength, float* probabilities, int probabilitiesLength)
    {
        try
        {
            if (Resolve(model, out NativeModel? native) is { } error)
            {
                return error;
            }

            if (sample is null || probabilities is null)
            {
                return (int)LastError.Set(ErrorCode.NullArgument, sample is null ? "sample is NULL." : "probabilities is NULL.");
            }

            native!.Plan.Predict(new ReadOnlySpan<float>(sample, sampleLength), new Span<float>(probabilities, probabilitiesLength));
            return Ok();
        }
        catch (Exception e)
        {
            return LastError.From(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "nbn_predict_batch")]
    public static int PredictBatch(nint model, float* samples, int count, int sampleLength, float* probabilities, int probabilitiesLength)
    {
        try
        {
            if (Resolve(model, out NativeModel? native) is { } error)
            {
                return error;
            }

            if (samples is null || probabilities is null)
            {
                return (int)LastError.Set(ErrorCode.NullArgument, samples is null ? "samples is NULL." : "probabilities is NULL.");
            }

            int inputs = native!.Plan.InputWidth, classes = native.Plan.OutputWidth;
            if (count < 1 || sampleLength != inputs || probabilitiesLength != (long)count * classes)
            {
                return (int)LastError.Set(ErrorCode.InvalidArgument,
                    $"count {count}, sample_length {sampleLength}, probabilities_length {probabilitiesLength}: expected count >= 1, sample_length {inputs} and probabilities_length count x {classes}.");
            }

            for (int s = 0; s < count; s++)
            {
                native.Plan.Predict(new ReadOnlySpan<float>(samples + (nint)s * inputs, inputs), new Span<float>(probabilities + (nint)s * classes, classes));
            }

            return Ok();
        }
        catch (Exception e)
        {
            return LastError.From(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "nbn_batchnorm_infer")]
    public static int BatchNormInfer(
        float* x, int n, int c, float* gamma, float* beta, float* mean, float* variance, float epsilon, float* y)
    {
        try
        {
            if (x is null || gamma is null || beta is null || mean is null || variance is null || y is null)
            {
                return (int)LastError.Set(ErrorCode.NullArgument, "x, gamma, beta, mean, variance and y must not be NULL.");
            }

            if (n < 1 || c < 1 || (long)n * c > Array.MaxLength || !(epsilon > 0) || float.IsInfinity(epsilon))
            {
                return (int)LastError.Set(ErrorCode.InvalidArgument, $"n {n}, c {c}, epsilon {epsilon}: expected n >= 1, c >= 1 and a finite epsilon > 0.");
            }

            float[] scale = new float[c], shift = new float[c];
            for (int j = 0; j < c; j++)
            {
                if (!(variance[j] >= 0))
                {
                    return (int)LastError.Set(ErrorCode.InvalidArgument, $"variance[{j}] is {variance[j]}; a variance must be at least 0.");
                }

                double s = gamma[j] / Math.Sqrt(variance[j] + (double)epsilon);
                scale[j] = (float)s;
                shift[j] = (float)(beta[j] - mean[j] * s);
            }

            GenericKernels.Infer(new ReadOnlySpan<float>(x, n * c), scale, shift, new Span<float>(y, n * c));
            return Ok();
        }
        catch (Exception e)
        {
            return LastError.From(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "nbn_last_error")]
    public static byte* LastErrorMessage() => LastError.Pointer;

    private static int Width(nint model, int* width, bool input)
    {
        try
        {
            if (Resolve(model, out NativeModel? native) is { } error)
            {
                return error;
            }

            if (width is null)
            {
                return (int)LastError.Set(ErrorCode.NullArgument, "width is NULL.");
            }

            *width = input ? native!.Plan.InputWidth : native!.Plan.OutputWidth;
            return Ok();
        }
        catch (Exception e)
        {
            return LastError.From(e);
        }
    }

    private static int? Resolve(nint model, out NativeModel? native)
    {
        native = null;
        if (model == 0)
        {
            return (int)LastError.Set(ErrorCode.NullArgument, "model is NULL.");
        }

        native = GCHandle.FromIntPtr(model).Target as NativeModel;
        return native is null ? (int)LastError.Set(ErrorCode.InvalidArgument, "model is not a model handle from nbn_model_load.") : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Ok() => (int)ErrorCode.Ok;
}
