namespace NativeBn.Native;

/// <summary>Return codes of the C functions (NBN_* in include/nativebn.h).</summary>
internal enum ErrorCode
{
    /// <summary>NBN_OK.</summary>
    Ok = 0,

    /// <summary>NBN_ERROR_NULL_ARGUMENT: a required pointer was null.</summary>
    NullArgument = 1,

    /// <summary>NBN_ERROR_INVALID_ARGUMENT: a length, count or value was wrong.</summary>
    InvalidArgument = 2,

    /// <summary>NBN_ERROR_FILE: the model file is missing, unreadable, corrupt or unsupported.</summary>
    File = 3,

    /// <summary>NBN_ERROR_INTERNAL: anything else.</summary>
    Internal = 99,
}
