using System.Runtime.InteropServices;

namespace NativeBn.Benchmarks.Peers;

/// <summary>
/// P/Invoke declarations for the oneDNN 2.x C API (Debian's libdnnl-dev 2.6) used by the batch-normalization
/// benchmarks, and OpenMP's thread-count setter (libgomp, oneDNN's threading runtime there). Constants are those
/// of <c>dnnl_types.h</c> in that version.
/// </summary>
internal static partial class OneDnnNative
{
    public const string Library = "libdnnl.so.2";
    public const string OpenMp = "libgomp.so.1";

    public const int Success = 0;
    public const int EngineCpu = 1;
    public const uint StreamDefaultFlags = 0x1;
    public const int F32 = 3;
    public const int TagA = 2;
    public const int TagNchw = 5;
    public const int TagNhwc = 20;
    public const int ForwardTraining = 64;
    public const int ForwardInference = 96;
    public const int Backward = 128;
    public const uint UseGlobalStats = 0x1;
    public const uint UseScale = 0x8;
    public const uint UseShift = 0x10;
    public const int ArgSrc = 1;
    public const int ArgDst = 17;
    public const int ArgMean = 49;
    public const int ArgVariance = 50;
    public const int ArgScale = 51;
    public const int ArgShift = 52;
    public const int ArgDiffSrc = 129;
    public const int ArgDiffDst = 145;
    public const int ArgDiffScale = 255;
    public const int ArgDiffShift = 256;
    public const int MaxDims = 12;

    /// <summary>Bytes reserved for a <c>dnnl_memory_desc_t</c> (696 in 2.6) and an op descriptor (3,496 for batch normalization).</summary>
    public const int MemoryDescBytes = 1024;
    public const int OpDescBytes = 4096;

    [StructLayout(LayoutKind.Sequential)]
    public struct ExecArg
    {
        public int Arg;
        public nint Memory;
    }

    [LibraryImport(Library, EntryPoint = "dnnl_engine_create")]
    public static partial int EngineCreate(out nint engine, int kind, nuint index);

    [LibraryImport(Library, EntryPoint = "dnnl_engine_destroy")]
    public static partial int EngineDestroy(nint engine);

    [LibraryImport(Library, EntryPoint = "dnnl_stream_create")]
    public static partial int StreamCreate(out nint stream, nint engine, uint flags);

    [LibraryImport(Library, EntryPoint = "dnnl_stream_destroy")]
    public static partial int StreamDestroy(nint stream);

    [LibraryImport(Library, EntryPoint = "dnnl_stream_wait")]
    public static partial int StreamWait(nint stream);

    [LibraryImport(Library, EntryPoint = "dnnl_memory_desc_init_by_tag")]
    public static unsafe partial int MemoryDescInitByTag(void* memoryDesc, int ndims, long* dims, int dataType, int tag);

    [LibraryImport(Library, EntryPoint = "dnnl_memory_create")]
    public static unsafe partial int MemoryCreate(out nint memory, void* memoryDesc, nint engine, void* handle);

    [LibraryImport(Library, EntryPoint = "dnnl_memory_destroy")]
    public static partial int MemoryDestroy(nint memory);

    [LibraryImport(Library, EntryPoint = "dnnl_batch_normalization_forward_desc_init")]
    public static unsafe partial int BatchNormForwardDescInit(void* desc, int propKind, void* dataDesc, float epsilon, uint flags);

    [LibraryImport(Library, EntryPoint = "dnnl_batch_normalization_backward_desc_init")]
    public static unsafe partial int BatchNormBackwardDescInit(void* desc, int propKind, void* diffDataDesc, void* dataDesc, float epsilon, uint flags);

    [LibraryImport(Library, EntryPoint = "dnnl_primitive_desc_create")]
    public static unsafe partial int PrimitiveDescCreate(out nint primitiveDesc, void* opDesc, nint attr, nint engine, nint hintForwardDesc);

    [LibraryImport(Library, EntryPoint = "dnnl_primitive_desc_destroy")]
    public static partial int PrimitiveDescDestroy(nint primitiveDesc);

    [LibraryImport(Library, EntryPoint = "dnnl_primitive_create")]
    public static partial int PrimitiveCreate(out nint primitive, nint primitiveDesc);

    [LibraryImport(Library, EntryPoint = "dnnl_primitive_destroy")]
    public static partial int PrimitiveDestroy(nint primitive);

    [LibraryImport(Library, EntryPoint = "dnnl_primitive_execute")]
    public static unsafe partial int PrimitiveExecute(nint primitive, nint stream, int nargs, ExecArg* args);

    [LibraryImport(OpenMp, EntryPoint = "omp_set_num_threads")]
    public static partial void SetOpenMpThreads(int threads);

    /// <summary>True when libdnnl can be loaded in this process.</summary>
    public static bool IsAvailable { get; } = NativeLibrary.TryLoad(Library, out _);

    public static void Check(int status, string call)
    {
        if (status != Success)
        {
            throw new InvalidOperationException($"oneDNN {call} failed with status {status}.");
        }
    }
}
