using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.Api;

namespace Portal.Api;

/// <summary>
/// The OpenAPI 3.1 document at <c>/openapi/v1.json</c>: the bearer scheme for personal access tokens,
/// a security requirement on every operation that needs one, the headers the API honours, and examples.
/// </summary>
internal static class OpenApiDocumentation
{
    public const string BearerScheme = "Bearer";
    private const string EventsOperationId = "GetOperationEvents";
    private const string RevealOperationId = "RevealClusterManagementToken";

    public static IServiceCollection AddPortalOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Consul Portal API",
                    Version = "v1",
                    Description = "Request, change and destroy dual-AZ Consul clusters, and follow their operations live. "
                        + "Every error is RFC 9457 problem+json with a stable `type`. POSTs that create something accept an `Idempotency-Key`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "pat_…",
                    Description = "A personal access token (`pat_…`) from the portal's \"My tokens\" page, sent as `Authorization: Bearer pat_…`. "
                        + "Each operation lists the scopes its token needs; a browser signed in with a cookie has every scope its role allows.\n\n"
                        + string.Join("\n", Api.Scopes.Described.Select(d => $"- `{d.Scope}`: {d.Allows}")),
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (!metadata.OfType<IAllowAnonymous>().Any())
                {
                    // OpenAPI 3.1 lets a non-OAuth requirement list role names: here, the token scopes the operation needs.
                    var scopes = Api.Scopes.RequiredBy(metadata);
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [.. scopes] });
                    if (scopes.Count > 0)
                        operation.Description = $"{operation.Description}\n\nA token needs: {string.Join(", ", scopes.Select(s => $"`{s}`"))}.".TrimStart();
                }
                if (metadata.OfType<IdempotentEndpoint>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = IdempotencyKeys.Header,
                        In = ParameterLocation.Header,
                        Description = "Makes a retry safe: the same key with the same request (the same JSON, whatever its spacing and key order) "
                            + "returns the first response for 24 hours; with a different request it answers 422.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyKeys.MaxKeyLength },
                        Example = JsonValue.Create("0b5d8a52-3e4f-4c1e-9c53-2f7a8e1d6b90"),
                    });
                }
                // The events endpoint answers the same URL as a stream; the JSON page is inferred, the stream is not.
                if (operation.OperationId == EventsOperationId && operation.Responses?["200"] is OpenApiResponse ok)
                {
                    OpenApiContract.AddRequestHeader(operation, "Last-Event-ID", "What a reconnecting EventSource sends: the id of the last event it got. "
                        + "The stream resumes after it (or after ?after=, whichever is later).");
                    ok.Content ??= new Dictionary<string, OpenApiMediaType>();
                    ok.Content["text/event-stream"] = new OpenApiMediaType
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Description = "Server-Sent Events: `id` = sequence, `event` = type, `data` = the event as JSON; "
                                + "a comment every 15 s; the stream closes after the operation's final event. Resume with Last-Event-ID or ?after=.",
                        },
                    };
                }
                // A revealed root credential must not be kept by any cache: say so where clients read the contract.
                if (operation.OperationId == RevealOperationId && operation.Responses?["200"] is OpenApiResponse revealed)
                {
                    revealed.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    revealed.Headers["Cache-Control"] = FixedHeader("no-store", "the token must not be kept by a browser or proxy cache");
                    revealed.Headers["Pragma"] = FixedHeader("no-cache", "for HTTP/1.0 caches");
                }
                if (Examples.TryGetValue(operation.OperationId ?? "", out var example)
                    && operation.RequestBody?.Content is { } content)
                    foreach (var media in content.Values) media.Example = JsonNode.Parse(example);
                return Task.CompletedTask;
            });
            options.AddContractTransformers(); // last: it completes what the transformers above wrote (info, operations)
        });

    /// <summary>A response header that always has the same value.</summary>
    private static OpenApiHeader FixedHeader(string value, string why) => new()
    {
        Description = $"Always `{value}`: {why}.",
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        Example = JsonValue.Create(value),
    };

    private static readonly Dictionary<string, string> Examples = new()
    {
        ["CreateCluster"] = """{ "name": "payments", "team": "platform", "region": "eu-west-1", "clientCount": 5, "consulVersion": "2.0.4" }""",
        ["UpdateCluster"] = """{ "clientCount": 8 }""",
        ["PreviewCluster"] = """{ "clientCount": 8, "consulVersion": "2.0.4" }""",
    };
}
