using System.Text.Json;
using Microsoft.Playwright;
using TestSupport;

namespace Portal.EndToEnd;

/// <summary>
/// axe-core (npm, pinned in <c>Axe/package-lock.json</c>) run in the page as it is: WCAG 2.0, 2.1 and 2.2 A and AA
/// rules. A serious or critical violation fails the test, with every node it found. Locally, missing
/// <c>node_modules</c> skips the test; in CI it fails it.
/// </summary>
internal static class Axe
{
    private static readonly string Script = Path.Combine(SharedData.RepositoryRoot, "tests", "Portal.EndToEnd", "Axe", "node_modules", "axe-core", "axe.min.js");
    private static readonly Lazy<string> Source = new(() => File.ReadAllText(Script));

    private const string Run = """
        async () => {
            const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
            return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 240)),
            }));
        }
        """;

    /// <param name="where">What the page shows, for the failure message ("cluster page, failed").</param>
    public static async Task AssertAccessibleAsync(IPage page, string where)
    {
        if (!File.Exists(Script))
        {
            var message = $"axe-core is missing at {Script}: run npm ci --prefix tests/Portal.EndToEnd/Axe.";
            if (SharedData.IsCi) Assert.Fail(message);
            Assert.Skip(message);
        }
        // Evaluated by the driver, not loaded by the page: the Content Security Policy stays as users get it.
        if (!await page.EvaluateAsync<bool>("() => typeof axe !== 'undefined'")) await page.EvaluateAsync(Source.Value);
        var violations = await page.EvaluateAsync<JsonElement>(Run);
        Assert.True(violations.GetArrayLength() == 0,
            $"axe found serious or critical problems on the {where}:\n" + JsonSerializer.Serialize(violations, new JsonSerializerOptions { WriteIndented = true }));
    }
}
