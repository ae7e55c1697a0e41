namespace NativeBn.Kernels;

/// <summary>
/// The arithmetic of one SIMD width, so that a single generic driver serves Vector512, Vector256,
/// Vector128 and plain scalars. <typeparamref name="TF"/> holds <see cref="Count"/> floats;
/// <typeparamref name="TD"/> holds half as many doubles (one for the scalar width), and a float vector
/// widens into a lower and an upper double vector (the scalar width has no upper half).
/// </summary>
internal interface ISimd<TF, TD>
    where TF : struct
    where TD : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>True when a float vector widens into two double vectors (every width but the scalar one).</summary>
    static abstract bool HasUpperHalf { get; }

    static abstract TF Load(ref float source, nint offset);

    static abstract void Store(TF value, ref float destination, nint offset);

    /// <summary>
    /// Stores past the caches (a non-temporal store) where the instruction set has one, else a plain store. The
    /// destination must be pinned and aligned to the vector's size.
    /// </summary>
    static abstract void StoreStreaming(TF value, ref float destination, nint offset);

    static abstract TF Broadcast(float value);

    static abstract TF Add(TF left, TF right);

    static abstract TF Subtract(TF left, TF right);

    static abstract TF Multiply(TF left, TF right);

    /// <summary><c>a·b + c</c>, fused where the hardware has FMA.</summary>
    static abstract TF MultiplyAdd(TF a, TF b, TF c);

    static abstract TF Max(TF left, TF right);

    static abstract TF Min(TF left, TF right);

    /// <summary>
    /// <paramref name="value"/> limited to [<paramref name="low"/>, <paramref name="high"/>] with the instruction set's
    /// own minimum and maximum (one instruction each): a NaN value stays NaN; a zero equal to a bound keeps its sign.
    /// </summary>
    static abstract TF Clamp(TF value, TF low, TF high);

    /// <summary><paramref name="value"/>'s lanes where <paramref name="condition"/> is greater than 0 (not NaN), 0 elsewhere.</summary>
    static abstract TF WherePositive(TF condition, TF value);

    static abstract TF Zero { get; }

    /// <summary>Sum of the float lanes in a fixed order.</summary>
    static abstract float Sum(TF value);

    /// <summary>
    /// The float vector at <paramref name="offset"/> widened to double: its lower lanes into <paramref name="lower"/>,
    /// its upper lanes into <paramref name="upper"/> (0 for the scalar width). Where the instruction set converts straight
    /// from memory, each half is one load-and-convert, with no shuffle to split the vector.
    /// </summary>
    static abstract void LoadWidened(ref float source, nint offset, out TD lower, out TD upper);

    static abstract TD BroadcastDouble(double value);

    /// <summary>Loads the doubles that correspond to a float vector at <paramref name="offset"/>.</summary>
    static abstract void LoadDoubles(ref double source, nint offset, out TD lower, out TD upper);

    /// <summary>Stores the doubles that correspond to a float vector at <paramref name="offset"/>.</summary>
    static abstract void StoreDoubles(TD lower, TD upper, ref double destination, nint offset);

    /// <summary>The float vector holding <paramref name="lower"/>'s lanes then <paramref name="upper"/>'s, rounded to float.</summary>
    static abstract TF Narrow(TD lower, TD upper);

    static abstract TD Add(TD left, TD right);

    /// <summary>
    /// <c>sum + value</c>, the same bits as <see cref="Add(TD, TD)"/>, computed as <c>value·1 + sum</c> on the
    /// multiply-add units where the width has FMA. Reductions that add more than they multiply use it for one of their
    /// sums: on cores whose adders and multiply-adders are separate pipes (AMD Zen) the work then splits between them.
    /// </summary>
    static abstract TD AddOnMultiplier(TD sum, TD value);

    static abstract TD Multiply(TD left, TD right);

    static abstract TD Divide(TD left, TD right);

    static abstract TD Sqrt(TD value);

    static abstract TD Subtract(TD left, TD right);

    /// <summary><c>a·b + c</c> in double, fused where the hardware has FMA.</summary>
    static abstract TD MultiplyAdd(TD a, TD b, TD c);

    static abstract TD ZeroDouble { get; }

    /// <summary>
    /// Zeroes the first <paramref name="skipped"/> lanes of the widened pair (lanes of <paramref name="lower"/>
    /// first), leaving the rest unchanged.
    /// </summary>
    static abstract void ZeroLeadingLanes(ref TD lower, ref TD upper, int skipped);

    /// <summary>Sum of the lanes in a fixed order.</summary>
    static abstract double Sum(TD value);
}
