using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TestSupport.Portal;

/// <summary>
/// Keeps every log line the portal writes, as a log sink could write it: the formatted message,
/// every structured value, the scopes around it and the exception. Tests that must prove something
/// never reaches a log (secrets) search <see cref="Lines"/>. Add it with
/// <see cref="PortalAppFactory.CaptureLogs"/> before the host starts.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new System.Text.StringBuilder($"{logLevel} {category}: {formatter(state, exception)}");
            // Structured values and scopes too: a JSON sink writes them even where the message omits them.
            AppendValues(line, state);
            provider._scopes.ForEachScope((scope, builder) => AppendValues(builder.Append(" scope:"), scope), line);
            if (exception is not null) line.Append(' ').Append(exception);
            provider._lines.Enqueue(line.ToString());
        }

        private static void AppendValues(System.Text.StringBuilder line, object? state)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                foreach (var (key, value) in pairs) line.Append(' ').Append(key).Append('=').Append(value);
            else if (state is not null) line.Append(' ').Append(state);
        }
    }
}
