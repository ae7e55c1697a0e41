using System.Globalization;

namespace NativeBn.Mpi.Worker;

/// <summary>Named arrays of doubles, one per line (<c>name v0 v1 ...</c>, round-trip formatting), written atomically.</summary>
public static class ResultFile
{
    public static void Write(string path, IEnumerable<(string Name, IEnumerable<double> Values)> entries)
    {
        string temporary = path + ".tmp";
        File.WriteAllLines(temporary, entries.Select(e =>
            string.Join(' ', e.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).Prepend(e.Name))));
        File.Move(temporary, path, overwrite: true);
    }

    public static Dictionary<string, double[]> Read(string path) =>
        File.ReadAllLines(path).Select(line => line.Split(' ')).ToDictionary(
            parts => parts[0],
            parts => parts.Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());

    public static IEnumerable<double> Of(ReadOnlySpan<float> values) => values.ToArray().Select(v => (double)v);

    public static IEnumerable<double> Of(ReadOnlySpan<double> values) => values.ToArray();
}
