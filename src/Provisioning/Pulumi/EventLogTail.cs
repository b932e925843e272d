using System.Text;

namespace Provisioning.Pulumi;

/// <summary>
/// Follows the event log the CLI appends to. Only complete lines are handed out; a partial
/// last line is kept until its '\n' arrives (pulumi/pulumi#6768 lost events that way).
/// </summary>
internal sealed class EventLogTail(string path) : IDisposable
{
    private FileStream? _stream;
    private readonly StringBuilder _partial = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly char[] _chars = new char[Encoding.UTF8.GetMaxCharCount(64 * 1024)];

    /// <summary>New complete lines; with <paramref name="drain"/> (the CLI has exited) the remainder too.</summary>
    public IReadOnlyList<string> ReadCompleteLines(bool drain = false)
    {
        var lines = new List<string>();
        if (_stream is null)
        {
            if (!File.Exists(path)) return lines;
            try
            {
                _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
                return lines;
            }
        }
        int read;
        while ((read = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            var count = _decoder.GetChars(_buffer, 0, read, _chars, 0);
            _partial.Append(_chars, 0, count);
        }
        var text = _partial.ToString();
        var end = text.LastIndexOf('\n');
        if (end >= 0)
        {
            lines.AddRange(text[..end].Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0));
            _partial.Clear().Append(text[(end + 1)..]);
        }
        if (drain && _partial.ToString().Trim() is { Length: > 0 } rest)
        {
            lines.Add(rest);
            _partial.Clear();
        }
        return lines;
    }

    public void Dispose() => _stream?.Dispose();
}
