using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Playwright;

namespace Portal.Load;

/// <summary>
/// Server memory per Blazor circuit: a person signed in through the sign-in form opens N cluster pages in tabs and leaves
/// them idle. The portal's resident memory and its managed heap after a full garbage collection (induced over the
/// diagnostics port, as dotnet-gcdump does) are read before, with the tabs open and after closing them.
/// </summary>
public static class Circuits
{
    private static readonly string[] ChromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    public static async Task MeasureAsync(PortalInstance portal, Samples samples, int tabs)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        await using var context = await browser.NewContextAsync(new() { BaseURL = portal.Address.ToString() });
        context.SetDefaultTimeout(60_000);

        var signIn = await context.NewPageAsync();
        await signIn.GotoAsync("/account/login");
        await signIn.GetByTestId("email").FillAsync(PortalInstance.AdminEmail);
        await signIn.GetByTestId("password").FillAsync(PortalInstance.AdminPassword);
        await signIn.GetByTestId("signin").ClickAsync();
        await signIn.GetByTestId("signed-in-as").WaitForAsync();
        await signIn.CloseAsync();

        // Warm-up: the first pages pay for JIT and caches, which are not a circuit's cost.
        foreach (var page in await OpenAsync(context, Enumerable.Range(0, 2))) await page.CloseAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (before, beforeGc) = await ReadAsync(portal);

        var open = await OpenAsync(context, Enumerable.Range(2, tabs));
        await Task.Delay(TimeSpan.FromSeconds(3)); // idle: the pages have rendered and wait for changes
        var (with, withGc) = await ReadAsync(portal);

        await Task.WhenAll(open.Select(page => page.CloseAsync()));
        await Task.Delay(TimeSpan.FromSeconds(10));
        var (after, afterGc) = await ReadAsync(portal);

        samples.Add("circuits.before", before);
        samples.Add("circuits.with", with);
        samples.Add("circuits.after", after);
        samples.Add("circuits.per", (with - before) / tabs);
        samples.Add("circuits.heap.before", beforeGc);
        samples.Add("circuits.heap.with", withGc);
        samples.Add("circuits.heap.after", afterGc);
        samples.Add("circuits.per.heap", (withGc - beforeGc) / tabs);
        samples.Add("circuits.released.heap", withGc - beforeGc <= 0 ? 1 : (withGc - afterGc) / (withGc - beforeGc));
    }

    /// <summary>Opens each cluster's page in its own tab, four at a time, and waits until its circuit has taken over the prerendered page.</summary>
    private static async Task<List<IPage>> OpenAsync(IBrowserContext context, IEnumerable<int> clusters)
    {
        var pages = new List<IPage>();
        foreach (var chunk in clusters.Chunk(4))
            pages.AddRange(await Task.WhenAll(chunk.Select(async i =>
            {
                var page = await context.NewPageAsync();
                await page.GotoAsync($"/clusters/{EventBurst.Name(i)}");
                await page.GetByTestId("interactive").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                await page.GetByTestId("cluster-name").WaitForAsync();
                return page;
            })));
        return pages;
    }

    /// <summary>Resident MiB now, and the managed heap's MiB after a blocking full collection induced in the portal.</summary>
    private static async Task<(double Rss, double Heap)> ReadAsync(PortalInstance portal) => (portal.RssMiB(), await HeapAfterFullGcAsync(portal.ProcessId));

    /// <summary>
    /// Enabling the runtime provider's GCHeapCollect keyword makes the runtime run a full, blocking collection; the GC
    /// keyword reports the generations' sizes after it (GCHeapStats). The last report once the session has stopped is that one.
    /// </summary>
    private static async Task<double> HeapAfterFullGcAsync(int processId)
    {
        const long gc = 0x1, gcHeapCollect = 0x800000;
        var session = new DiagnosticsClient(processId).StartEventPipeSession(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, gc | gcHeapCollect)], requestRundown: false);
        using var _ = session;
        using var source = new EventPipeEventSource(session.EventStream);
        double? heap = null;
        source.Clr.GCHeapStats += e => heap = (e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4) / 1048576.0;
        var processing = Task.Run(source.Process);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the collection runs as the session starts
        await session.StopAsync(CancellationToken.None);
        await processing.WaitAsync(TimeSpan.FromSeconds(30));
        return heap ?? throw new InvalidOperationException("The portal reported no heap statistics after the induced collection.");
    }
}
