using System.Text;

namespace NativeBn.Generators.Tests;

/// <summary>A readable line diff (longest common subsequence) of an expected and an actual text.</summary>
internal static class LineDiff
{
    /// <summary>Changed lines as "-expected" / "+actual" with two lines of context and line numbers, at most <paramref name="maxLines"/> lines.</summary>
    public static string Format(string expected, string actual, int maxLines = 80)
    {
        string[] a = expected.Replace("\r\n", "\n").Split('\n');
        string[] b = actual.Replace("\r\n", "\n").Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var script = new List<(char Kind, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                script.Add((' ', x++ + 1, b[y++]));
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] > lcs[x + 1, y]))
            {
                script.Add(('+', y + 1, b[y++]));
            }
            else
            {
                script.Add(('-', x + 1, a[x++]));
            }
        }

        var output = new StringBuilder();
        int written = 0;
        for (int k = 0; k < script.Count && written < maxLines; k++)
        {
            bool near = false;
            for (int d = Math.Max(0, k - 2); d <= Math.Min(script.Count - 1, k + 2); d++)
            {
                near |= script[d].Kind != ' ';
            }

            if (near)
            {
                output.Append(script[k].Kind).Append(' ').Append(script[k].Line.ToString().PadLeft(5)).Append(": ").AppendLine(script[k].Text);
                written++;
            }
        }

        return output.ToString();
    }
}
