using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Portal.Deployments;

namespace Portal.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// OpenTelemetry export of the portal's meter and activity source (<see cref="PortalTelemetry"/>, registered by Deployments) over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OTEL_* variables tune it:
    /// protocol, headers, export interval). Without an endpoint nothing is collected in-process;
    /// <c>dotnet-counters monitor --counters Portal.Deployments</c> still reads the meter.
    /// </summary>
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) return builder;

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "portal"))
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeScopes = true; // operation id and cluster name travel with every log record
                logging.IncludeFormattedMessage = true;
            })
            .WithMetrics(metrics => metrics
                .AddMeter(PortalTelemetry.Name)
                .AddAspNetCoreInstrumentation())
            .WithTracing(tracing => tracing
                .AddSource(PortalTelemetry.Name)
                // Probes every few seconds would drown the traces that matter.
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/health")))
            .UseOtlpExporter();
        return builder;
    }
}
