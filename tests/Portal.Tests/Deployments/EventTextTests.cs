using Portal.Deployments;

namespace Portal.Tests.Deployments;

public sealed class EventTextTests
{
    [Theory]
    [InlineData("\0interrupted", "interrupted")]
    [InlineData("\u001b[31merror:\u001b[0m creating EC2 Subnet", "error: creating EC2 Subnet")]
    [InlineData("bell\a and back\bspace", "bell and backspace")]
    [InlineData("two\nlines\twith a tab", "two\nlines\twith a tab")]
    [InlineData("plain text", "plain text")]
    public void Clean_EngineMessage_KeepsOnlyPrintableTextAndLineBreaks(string message, string expected) =>
        Assert.Equal(expected, EventText.Clean(message));
}
