using Microsoft.Extensions.Options;
using Portal.Engines;

namespace Portal.Snapshots;

public static class SnapshotExtensions
{
    public static IHostApplicationBuilder AddSnapshots(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SnapshotOptions>().Bind(builder.Configuration.GetSection(SnapshotOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        // The simulated bucket expires snapshots as the real one's lifecycle rule does.
        builder.Services.AddOptions<ProvisioningOptions>().PostConfigure<IOptions<SnapshotOptions>>((provisioning, snapshots) =>
            provisioning.Simulated.SnapshotRetentionDays = snapshots.Value.RetentionDays);
        builder.Services.AddSingleton<SnapshotCommands>();
        return builder;
    }
}
