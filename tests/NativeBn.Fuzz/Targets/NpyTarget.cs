using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using NativeBn.Data;

namespace NativeBn.Fuzz.Targets;

/// <summary>
/// NumPy .npy features (float32, float64) and labels (int64, int32, uint8) in format versions 1.0, 2.0 and 3.0.
/// Mutations rebuild the file from its parts with one part changed: the shape (hostile sizes, shapes whose product
/// matches the data, malformed tuples), the dtype, fortran_order, the dict syntax, the version, the header length
/// field, the data (non-finite and out-of-range values, hostile labels, cuts and trailing bytes), or a truncation.
/// </summary>
internal sealed class NpyTarget : IFuzzTarget
{
    private static readonly string[] s_descrs = ["<f4", "<f8", ">f4", ">f8", "<f2", "|f4", "=f4", "<i8", "<i4", "|u1", ">i8", "|b1", "<c8", "O", "", "<f4 "];

    private static readonly string[] s_fortran = ["False", "True", "0", "false", "None", "'False'"];

    private static readonly long[] s_dimensions =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 255, 65535, 65536, 1 << 20, int.MaxValue, 1L << 31, (1L << 32) + 1, 1L << 40, 999_999_999_999_999_999];

    private static readonly string[] s_dictEdits =
    [
        "{'descr': '<f4', 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'descr': '<f4'}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (6,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (6,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} trailing",
        "{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [6]}",
        "{}",
        "",
        "{'descr': '\u00e9f4', 'fortran_order': False, 'shape': (6,)}",
    ];

    private readonly Dictionary<byte[], Parts> _parts = new(ReferenceEqualityComparer.Instance);

    public NpyTarget()
    {
        Parts[] seeds =
        [
            new(1, "<f4", "False", "(2, 3, 2, 2)", Floats(24)),
            new(2, "<f8", "False", "(3, 4)", Doubles(12)),
            new(3, "<f4", "False", "(5,)", Floats(5)),
            new(1, "<i8", "False", "(4,)", Integers(4, 8)),
            new(1, "<i4", "False", "(3,)", Integers(3, 4)),
            new(2, "|u1", "False", "(6,)", Integers(6, 1)),
        ];
        var built = new List<byte[]>();
        foreach (Parts parts in seeds)
        {
            byte[] bytes = parts.Build();
            _parts[bytes] = parts;
            built.Add(bytes);
        }

        Seeds = built;
    }

    public string Name => "NPY";

    public IReadOnlyList<byte[]> Seeds { get; }

    public byte[] Mutate(byte[] seed, Random random)
    {
        Parts parts = _parts[seed];
        switch (random.Next(11))
        {
            case 0:
                return Mutations.Bytes(seed, random);
            case 1 or 2:
                return (parts with { Shape = Shape(parts, random) }).Build();
            case 3:
                return (parts with { Descr = s_descrs[random.Next(s_descrs.Length)] }).Build();
            case 4:
                return (parts with { Fortran = s_fortran[random.Next(s_fortran.Length)] }).Build();
            case 5:
                return (parts with { Dict = s_dictEdits[random.Next(s_dictEdits.Length)] }).Build();
            case 6:
                return (parts with { Major = random.Next(5), Minor = random.Next(4) == 0 ? 1 : 0 }).Build();
            case 7:
                return LengthField(parts.Build(), random);
            case 8 or 9:
                return (parts with { Data = Data(parts, random) }).Build();
            default:
                byte[] whole = parts.Build();
                return whole[..random.Next(whole.Length)];
        }
    }

    /// <summary>Parses as labels when the header names an integer dtype, as features otherwise (so other dtypes meet the features check).</summary>
    public void Load(byte[] input)
    {
        if (Header(input) is { Descr: "<i8" or "<i4" or "|u1" })
        {
            NpyReader.ParseLabels(input, "fuzz.npy");
        }
        else
        {
            NpyReader.ParseFeatures(input, "fuzz.npy");
        }
    }

    public bool PastHeader(byte[] input) => Header(input) is not null;

    private static NpyHeader? Header(byte[] input)
    {
        try
        {
            return NpyHeader.Parse(input, "fuzz.npy");
        }
        catch (DataFormatException)
        {
            return null;
        }
    }

    /// <summary>A shape tuple: usually one whose product matches the data (so the values are read), else hostile sizes or syntax.</summary>
    private static string Shape(Parts parts, Random random)
    {
        switch (random.Next(6))
        {
            case 0 or 1:
                long elements = parts.Data.Length / parts.ItemSize;
                var factors = new List<long>();
                foreach (long d in new long[] { 2, 3, 2, 5, 2 })
                {
                    if (elements % d == 0 && random.Next(2) == 0)
                    {
                        factors.Add(d);
                        elements /= d;
                    }
                }

                factors.Insert(random.Next(factors.Count + 1), elements);
                return Tuple(factors);
            case 2:
                return Tuple([.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => s_dimensions[random.Next(s_dimensions.Length)])]);
            case 3:
                return random.Next(6) switch
                {
                    0 => "()",
                    1 => "(6)",
                    2 => "(-1, 6)",
                    3 => "(2, 3",
                    4 => "(2,, 3)",
                    _ => "(" + new string('9', random.Next(15, 25)) + ",)",
                };
            case 4:
                return Tuple([.. Enumerable.Range(0, random.Next(60, 70)).Select(_ => 1L)]);
            default:
                return Tuple([s_dimensions[random.Next(s_dimensions.Length)], .. Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(1, 5))]);
        }
    }

    private static string Tuple(List<long> dims) =>
        dims.Count == 1 ? $"({dims[0].ToString(CultureInfo.InvariantCulture)},)" : "(" + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>The data with a hostile value written over one item, or cut, or extended.</summary>
    private static byte[] Data(Parts parts, Random random)
    {
        byte[] data = (byte[])parts.Data.Clone();
        int items = data.Length / parts.ItemSize;
        int at = random.Next(items) * parts.ItemSize;
        switch (random.Next(4))
        {
            case 0:
                return data[..random.Next(data.Length)];
            case 1:
                var extra = new byte[random.Next(1, 9)];
                random.NextBytes(extra);
                return [.. data, .. extra];
            default:
                double[] hostile = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e39, -3.5e38, double.MaxValue, 1e-46, -1, 99_999, 100_000, int.MaxValue, 1e18];
                double value = hostile[random.Next(hostile.Length)];
                switch (parts.Descr)
                {
                    case "<f4":
                        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(at), (float)value);
                        break;
                    case "<f8":
                        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(at), value);
                        break;
                    case "<i8":
                        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(at), double.IsFinite(value) ? (long)value : long.MinValue);
                        break;
                    case "<i4":
                        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(at), double.IsFinite(value) ? (int)Math.Clamp(value, int.MinValue, int.MaxValue) : int.MinValue);
                        break;
                    default:
                        data[at] = (byte)random.Next(256);
                        break;
                }

                return data;
        }
    }

    /// <summary>The header length field set to a hostile value (u16 for version 1, u32 otherwise).</summary>
    private static byte[] LengthField(byte[] bytes, Random random)
    {
        int value = Mutations.InterestingInts[random.Next(Mutations.InterestingInts.Length)];
        if (bytes[6] == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)value);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), value);
        }

        return bytes;
    }

    private static byte[] Floats(int count)
    {
        var bytes = new byte[4 * count];
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), (i - 7) * 0.37f);
        }

        return bytes;
    }

    private static byte[] Doubles(int count)
    {
        var bytes = new byte[8 * count];
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), Math.Sin(i) * 1e3);
        }

        return bytes;
    }

    private static byte[] Integers(int count, int size)
    {
        var bytes = new byte[size * count];
        for (int i = 0; i < count; i++)
        {
            bytes[size * i] = (byte)(i % 3);
        }

        return bytes;
    }

    /// <summary>The parts of a .npy file; <see cref="Dict"/>, when set, replaces the dict the other parts make.</summary>
    private sealed record Parts(int Major, string Descr, string Fortran, string Shape, byte[] Data)
    {
        public int Minor { get; init; }

        public string? Dict { get; init; }

        public int ItemSize => Descr switch { "<f8" or "<i8" => 8, "|u1" => 1, _ => 4 };

        /// <summary>Magic, version, length field, the dict padded with spaces to a multiple of 64 bytes and a newline, the data.</summary>
        public byte[] Build()
        {
            string dict = Dict ?? $"{{'descr': '{Descr}', 'fortran_order': {Fortran}, 'shape': {Shape}, }}";
            int lengthBytes = Major == 1 ? 2 : 4;
            int prefix = 8 + lengthBytes;
            byte[] text = Encoding.UTF8.GetBytes(dict);
            int padded = (prefix + text.Length + 1 + 63) / 64 * 64 - prefix;
            var bytes = new byte[prefix + padded + Data.Length];
            bytes[0] = 0x93;
            "NUMPY"u8.CopyTo(bytes.AsSpan(1));
            bytes[6] = (byte)Major;
            bytes[7] = (byte)Minor;
            if (lengthBytes == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)padded);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)padded);
            }

            text.CopyTo(bytes.AsSpan(prefix));
            bytes.AsSpan(prefix + text.Length, padded - text.Length - 1).Fill((byte)' ');
            bytes[prefix + padded - 1] = (byte)'\n';
            Data.CopyTo(bytes.AsSpan(prefix + padded));
            return bytes;
        }
    }
}
