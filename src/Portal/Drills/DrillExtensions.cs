namespace Portal.Drills;

public static class DrillExtensions
{
    public static IHostApplicationBuilder AddDrills(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ZoneOutageDrills>();
        return builder;
    }
}
