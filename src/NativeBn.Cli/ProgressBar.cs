namespace NativeBn.Cli;

/// <summary>A one-line progress bar on the error stream, redrawn in place; silent when disabled.</summary>
internal sealed class ProgressBar(TextWriter writer, bool enabled) : IProgress<(string Stage, double Fraction)>, IProgress<double>, IDisposable
{
    private const int Width = 30;
    private string _stage = "";
    private int _lastPercent = -1;
    private bool _drawn;

    public string Stage
    {
        get => _stage;
        set
        {
            _stage = value;
            _lastPercent = -1;
        }
    }

    public void Report((string Stage, double Fraction) value)
    {
        if (value.Stage != _stage)
        {
            Stage = value.Stage;
        }

        Report(value.Fraction);
    }

    public void Report(double fraction)
    {
        if (!enabled)
        {
            return;
        }

        int percent = (int)Math.Clamp(fraction * 100, 0, 100);
        if (percent == _lastPercent)
        {
            return;
        }

        _lastPercent = percent;
        int filled = percent * Width / 100;
        writer.Write($"\r{_stage,-20} [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%");
        writer.Flush();
        _drawn = true;
    }

    public void Dispose()
    {
        if (_drawn)
        {
            writer.Write("\r" + new string(' ', Width + 30) + "\r");
            writer.Flush();
        }
    }
}
