using System.Text;
using NativeBn.Data;

namespace NativeBn.Fuzz.Targets;

/// <summary>
/// CSV rows with and without a header and with the label first, named or absent. Mutations replace fields with
/// hostile values, change the separators and the line structure.
/// </summary>
internal sealed class CsvTarget : IFuzzTarget
{
    private static readonly string[] s_fields =
        ["abc", "", "NaN", "inf", "-Infinity", "1e40", "-0", "2000000000", "99999", "100000", "-1", "0x10", "1,5", " 3 ", "1e-45", "\"1\"", "é", "label"];

    public string Name => "CSV";

    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        Encoding.UTF8.GetBytes("label,a,b,c\n0,0.5,1,-2\n1,1e-3,2.5,3\n2,7,8,9\n"),
        Encoding.UTF8.GetBytes("0,0.5,1,-2\n1,1e-3,2.5,3\n\n2,7,8,9\n"),
        Encoding.UTF8.GetBytes("age,segment,income\n31,1,2.5\n45,0,1.25\n"),
        Encoding.UTF8.GetBytes("0.5,1,-2\n1e-3,2.5,3\n"),
    ];

    public byte[] Mutate(byte[] seed, Random random)
    {
        if (random.Next(6) == 0)
        {
            return Mutations.Bytes(seed, random);
        }

        var lines = Encoding.UTF8.GetString(seed).Split('\n').ToList();
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            int l = random.Next(lines.Count);
            string[] fields = lines[l].Split(',');
            switch (random.Next(6))
            {
                case 0:
                    fields[random.Next(fields.Length)] = s_fields[random.Next(s_fields.Length)];
                    lines[l] = string.Join(',', fields);
                    break;
                case 1:
                    lines[l] = string.Join(random.Next(2) == 0 ? ";" : "\t", fields);
                    break;
                case 2:
                    lines[l] = string.Join(',', fields.Take(random.Next(fields.Length + 1)));
                    break;
                case 3:
                    lines.Insert(l, lines[random.Next(lines.Count)]);
                    break;
                case 4:
                    lines.RemoveAt(l);
                    if (lines.Count == 0)
                    {
                        lines.Add("");
                    }

                    break;
                default:
                    lines[l] += "," + s_fields[random.Next(s_fields.Length)];
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    public void Load(byte[] input)
    {
        string text = Encoding.UTF8.GetString(input);
        CsvReader.Read(new StringReader(text), "fuzz.csv", LabelFor(text));
    }

    /// <summary>The label the text's seed has: named 'segment', first when a header or an integer leads, none otherwise.</summary>
    private static CsvLabel LabelFor(string text)
    {
        string first = text.Split('\n')[0];
        if (first.Contains("segment", StringComparison.Ordinal))
        {
            return CsvLabel.Named("segment");
        }

        string lead = first.Split(',')[0].Trim();
        return first.StartsWith("label", StringComparison.Ordinal) || int.TryParse(lead, out _) ? CsvLabel.First : CsvLabel.None;
    }

    public bool PastHeader(byte[] input)
    {
        string first = Encoding.UTF8.GetString(input).Split('\n').FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "";
        string[] fields = first.Split(',');
        bool[] numeric = [.. fields.Select(f => double.TryParse(f.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))];
        return first.Length > 0 && (numeric.All(n => n) || numeric.All(n => !n));
    }
}
