using System.Buffers.Binary;
using System.Text;

namespace NativeBn.Data;

/// <summary>
/// The header of a NumPy <c>.npy</c> file: the magic <c>\x93NUMPY</c>, the format version (major, minor byte), the
/// header length (little-endian u16 for version 1.0, u32 for 2.0 and 3.0), then a Python dict literal with exactly the
/// keys <c>'descr'</c> (the dtype string, e.g. <c>'&lt;f4'</c>), <c>'fortran_order'</c> (True or False) and
/// <c>'shape'</c> (a tuple of non-negative integers), padded with spaces and ending in a newline. The array's bytes
/// follow the header.
/// </summary>
internal sealed class NpyHeader
{
    /// <summary>Most dimensions accepted (NumPy itself allows 32 in 1.x, 64 in 2.x).</summary>
    public const int MaxRank = 64;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private NpyHeader(string descr, bool fortranOrder, long[] shape, int dataOffset)
    {
        Descr = descr;
        FortranOrder = fortranOrder;
        Shape = shape;
        DataOffset = dataOffset;
    }

    /// <summary>The dtype string: byte order (<c>&lt;</c>, <c>&gt;</c>, <c>|</c>, <c>=</c>), kind and item size.</summary>
    public string Descr { get; }

    /// <summary>True when the data is stored column-major.</summary>
    public bool FortranOrder { get; }

    /// <summary>The dimensions, outermost first (empty for a 0-d array).</summary>
    public long[] Shape { get; }

    /// <summary>Offset of the first data byte in the file.</summary>
    public int DataOffset { get; }

    /// <summary>The shape as NumPy prints it in a list, like <c>[100, 3, 32, 32]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Parses the header at the start of <paramref name="content"/>; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="DataFormatException">The bytes do not start with a well-formed header of version 1.0, 2.0 or 3.0.</exception>
    public static NpyHeader Parse(ReadOnlySpan<byte> content, string source)
    {
        if (content.Length < 8 || !content[..6].SequenceEqual(Magic))
        {
            throw new DataFormatException($"{source} is not a NumPy .npy file (it does not start with \\x93NUMPY).");
        }

        byte major = content[6], minor = content[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw new DataFormatException($"{source}: .npy format version {major}.{minor} is not supported; expected 1.0, 2.0 or 3.0.");
        }

        int lengthBytes = major == 1 ? 2 : 4;
        if (content.Length < 8 + lengthBytes)
        {
            throw new DataFormatException($"{source} is truncated inside its .npy header.");
        }

        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(content[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(content[8..]);
        int start = 8 + lengthBytes;
        if (headerLength > content.Length - start)
        {
            throw new DataFormatException(
                $"{source} is truncated inside its .npy header: the header declares {headerLength} bytes, {content.Length - start} follow.");
        }

        int dataOffset = start + (int)headerLength;
        var parser = new DictParser(content[start..dataOffset], source);
        (string descr, bool fortranOrder, long[] shape) = parser.Parse();
        return new NpyHeader(descr, fortranOrder, shape, dataOffset);
    }

    /// <summary>A reader of the header's dict literal: string keys, a string, a boolean and a tuple of integers.</summary>
    private ref struct DictParser(ReadOnlySpan<byte> text, string source)
    {
        private const int MaxDigits = 18;
        private readonly ReadOnlySpan<byte> _text = text;
        private int _position;

        public (string Descr, bool FortranOrder, long[] Shape) Parse()
        {
            string? descr = null;
            bool? fortranOrder = null;
            long[]? shape = null;
            Expect((byte)'{', "'{' opening the header dict");
            SkipSpace();
            while (Peek() != '}')
            {
                int keyAt = _position;
                string key = ReadString("a key");
                SkipSpace();
                Expect((byte)':', "':' after the key");
                SkipSpace();
                if ((key == "descr" && descr is not null) || (key == "fortran_order" && fortranOrder is not null) || (key == "shape" && shape is not null))
                {
                    throw Malformed($"the key '{key}' appears twice", keyAt);
                }

                switch (key)
                {
                    case "descr":
                        descr = ReadString("the dtype string");
                        break;
                    case "fortran_order":
                        fortranOrder = ReadBoolean();
                        break;
                    case "shape":
                        shape = ReadShape();
                        break;
                    default:
                        throw Malformed($"the key '{key}' is not one of 'descr', 'fortran_order' and 'shape'", keyAt);
                }

                SkipSpace();
                if (Peek() == ',')
                {
                    _position++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Malformed("expected ',' or '}' after a value", _position);
                }
            }

            _position++;
            SkipSpace();
            if (_position != _text.Length)
            {
                throw Malformed("text follows the closing '}'", _position);
            }

            return (descr ?? throw Missing("descr"), fortranOrder ?? throw Missing("fortran_order"), shape ?? throw Missing("shape"));
        }

        private readonly int Peek() => _position < _text.Length ? _text[_position] : -1;

        private void SkipSpace()
        {
            while (_position < _text.Length && _text[_position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                _position++;
            }
        }

        private void Expect(byte expected, string what)
        {
            if (Peek() != expected)
            {
                throw Malformed($"expected {what}", _position);
            }

            _position++;
        }

        private string ReadString(string what)
        {
            int quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw Malformed($"expected {what} as a quoted string", _position);
            }

            int start = ++_position;
            while (_position < _text.Length && _text[_position] != quote)
            {
                if (_text[_position] is < 0x20 or > 0x7E or (byte)'\\')
                {
                    throw Malformed($"{what} holds a byte 0x{_text[_position]:X2} that is not a plain printable character", _position);
                }

                _position++;
            }

            if (_position == _text.Length)
            {
                throw Malformed($"{what} is not closed", start - 1);
            }

            return Encoding.ASCII.GetString(_text[start.._position++]);
        }

        private bool ReadBoolean()
        {
            if (_text[_position..].StartsWith("True"u8))
            {
                _position += 4;
                return true;
            }

            if (_text[_position..].StartsWith("False"u8))
            {
                _position += 5;
                return false;
            }

            throw Malformed("expected True or False for 'fortran_order'", _position);
        }

        private long[] ReadShape()
        {
            Expect((byte)'(', "'(' opening the shape tuple");
            var dims = new List<long>();
            bool comma = false;
            SkipSpace();
            while (Peek() != ')')
            {
                if (dims.Count == MaxRank)
                {
                    throw Malformed($"the shape has more than {MaxRank} dimensions", _position);
                }

                dims.Add(ReadDimension());
                SkipSpace();
                comma = Peek() == ',';
                if (comma)
                {
                    _position++;
                    SkipSpace();
                }
                else if (Peek() != ')')
                {
                    throw Malformed("expected ',' or ')' in the shape tuple", _position);
                }
            }

            if (dims.Count == 1 && !comma)
            {
                throw Malformed("a shape of one dimension is written '(n,)'; '(n)' is not a tuple", _position);
            }

            _position++;
            return [.. dims];
        }

        private long ReadDimension()
        {
            int start = _position;
            long value = 0;
            while (_position < _text.Length && char.IsAsciiDigit((char)_text[_position]))
            {
                if (_position - start == MaxDigits)
                {
                    throw Malformed($"a dimension has more than {MaxDigits} digits", start);
                }

                value = value * 10 + (_text[_position++] - '0');
            }

            return _position > start ? value : throw Malformed("expected a dimension (a non-negative integer) in the shape tuple", start);
        }

        private readonly DataFormatException Missing(string key) =>
            new($"{source}: the .npy header has no '{key}' key; it needs 'descr', 'fortran_order' and 'shape'. Header: {Excerpt()}");

        private readonly DataFormatException Malformed(string problem, int at) =>
            new($"{source}: malformed .npy header at character {at}: {problem}. Header: {Excerpt()}");

        private readonly string Excerpt()
        {
            const int Shown = 160;
            ReadOnlySpan<byte> shown = _text[..Math.Min(_text.Length, Shown)];
            var text = new StringBuilder(shown.Length + 3);
            foreach (byte b in shown)
            {
                text.Append(b is >= 0x20 and <= 0x7E ? (char)b : '?');
            }

            return text.ToString().TrimEnd() + (_text.Length > Shown ? "..." : "");
        }
    }
}
