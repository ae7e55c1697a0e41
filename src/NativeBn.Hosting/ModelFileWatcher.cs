namespace NativeBn.Hosting;

/// <summary>
/// Watches one file and calls back once the file has stayed unchanged for the debounce time after a change (written,
/// created, or renamed into place as atomic writes do). Callbacks run on a timer thread, one at a time.
/// </summary>
internal sealed class ModelFileWatcher : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _timer;
    private readonly TimeSpan _debounce;
    private readonly Action _changed;
    private readonly Action<Exception> _failed;
    private readonly Lock _callbackLock = new();
    private volatile bool _disposed;

    public ModelFileWatcher(string path, TimeSpan debounce, Action changed, Action<Exception> failed)
    {
        _debounce = debounce;
        _changed = changed;
        _failed = failed;
        _timer = new Timer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        string full = Path.GetFullPath(path);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Schedule();
        _watcher.Created += (_, _) => Schedule();
        _watcher.Renamed += (_, _) => Schedule();
        _watcher.Error += (_, e) =>
        {
            _failed(e.GetException());
            Schedule();
        };
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _disposed = true;
        _watcher.Dispose();
        _timer.Dispose();
    }

    private void Schedule()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // An event that arrived while the watcher was being disposed.
        }
    }

    private void Fire()
    {
        lock (_callbackLock)
        {
            if (!_disposed)
            {
                _changed();
            }
        }
    }
}
