using Provisioning.Pulumi;

namespace Provisioning.Tests.Pulumi;

public class EventLogTailTests
{
    [Fact]
    public void ReadCompleteLines_PartialLine_IsHeldUntilItsNewlineArrives()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("tail-").FullName, "events.jsonl");
        using var tail = new EventLogTail(path);
        Assert.Empty(tail.ReadCompleteLines());

        using (var writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)))
        {
            writer.Write("{\"a\":1}\n{\"b\":");
            writer.Flush();
            Assert.Equal(["{\"a\":1}"], tail.ReadCompleteLines());
            Assert.Empty(tail.ReadCompleteLines());

            writer.Write("2}\n{\"c\":3}");
            writer.Flush();
            Assert.Equal(["{\"b\":2}"], tail.ReadCompleteLines());
        }

        Assert.Equal(["{\"c\":3}"], tail.ReadCompleteLines(drain: true));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
