using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Portal.Api;

/// <summary>
/// Shapes the generated document into the exact contract the API keeps, which every API test holds each response to:
/// extension members on problems, nullable as anyOf (a JSON null matches one branch of it, not "exactly one"),
/// typed enums, the headers the API sends and honours, descriptions, and the public server address.
/// </summary>
internal static class OpenApiContract
{
    private static readonly string[] ProblemSchemas = ["ProblemDetails", "HttpValidationProblemDetails"];

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Clusters"] = "Dual-AZ Consul clusters: request, read, change, preview, destroy; their program, CA and secrets.",
        ["Operations"] = "The work enqueued on a cluster: its state, progress and events (JSON pages or Server-Sent Events); cancel and retry.",
        ["Health"] = "Consul's health as the portal last checked it, its history, and a check on demand.",
        ["Drills"] = "Failure drills on simulated clusters: take an Availability Zone down and bring it back.",
        ["Teams"] = "Teams, their members and local accounts (admins).",
        ["Tokens"] = "Personal access tokens for automation, and the antiforgery token for browser scripts.",
        ["Audit"] = "The hash-chained audit trail: search, export, verify.",
        ["Admin"] = "Operating the portal: backups.",
    };

    public static OpenApiOptions AddContractTransformers(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, context, _) =>
        {
            var api = context.ApplicationServices.GetRequiredService<IOptions<ApiOptions>>().Value;
            document.Info.Contact = new OpenApiContact { Name = "Platform team", Url = new Uri($"{api.PublicUrl}/") };
            document.Info.License = new OpenApiLicense { Name = "Proprietary", Url = new Uri($"{api.PublicUrl}/") };
            // The address clients are given, whatever Host this request came with (a proxy's, an attacker's).
            document.Servers = [new OpenApiServer { Url = api.PublicUrl.TrimEnd('/'), Description = "This portal" }];
            document.Tags = new HashSet<OpenApiTag>((document.Tags ?? new HashSet<OpenApiTag>()).Select(tag => new OpenApiTag
            {
                Name = tag.Name,
                Description = tag.Description ?? TagDescriptions.GetValueOrDefault(tag.Name ?? ""),
            }));
            foreach (var (name, schema) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
            {
                Walk(schema);
                if (ProblemSchemas.Contains(name) && schema is OpenApiSchema problem) AllowExtensions(problem);
            }
            foreach (var operation in (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
            {
                foreach (var parameter in operation.Parameters ?? []) Walk(parameter.Schema);
                foreach (var media in (operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>()).Values) Walk(media.Schema);
                foreach (var response in (operation.Responses ?? []).Values)
                foreach (var media in (response.Content ?? new Dictionary<string, OpenApiMediaType>()).Values) Walk(media.Schema);
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            // Query parameters are read whatever their case; the document names them as JSON does, camelCase.
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query && p.Name is { Length: > 0 }))
                parameter.Name = char.ToLowerInvariant(parameter.Name![0]) + parameter.Name[1..];
            operation.Description ??= operation.Summary;
            var idempotent = metadata.OfType<IdempotentEndpoint>().Any();
            // What the middleware answers before the endpoint runs: any JSON body can be of the wrong media type, and the
            // Idempotency-Key contract answers 409 (the first request still runs), 422 (another request) and 404 (its cluster is gone from view).
            if (operation.RequestBody is not null) AddProblem(operation, context.Document, StatusCodes.Status415UnsupportedMediaType);
            if (idempotent)
                foreach (var status in new[] { StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity })
                    AddProblem(operation, context.Document, status);
            foreach (var (status, response) in (operation.Responses ?? []).Select(r => (r.Key, r.Value)).ToList())
            {
                if (response is not OpenApiResponse answer) continue;
                var code = int.TryParse(status, out var parsed) ? parsed : 0;
                if (code is 201 or 202) Add(answer, "Location", "The URL of what was created, or of the operation that does the work.", "uri-reference");
                if (code == 401) Add(answer, "WWW-Authenticate", "`Bearer`: send a personal access token.");
                if (code is 429 || (idempotent && code == 409))
                    Add(answer, "Retry-After", "Seconds to wait before trying again.", type: JsonSchemaType.Integer);
                if (idempotent)
                    Add(answer, IdempotencyKeys.ReplayedHeader, "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.");
                foreach (var header in metadata.OfType<ResponseHeader>().Where(h => h.Statuses.Contains(code)))
                    Add(answer, header.Name, header.Description);
            }
            if (operation.Responses?.ContainsKey("304") == true)
                AddRequestHeader(operation, ConditionalRequests.IfNoneMatch, "An ETag you have: 304 and no body while it is still the current version.");
            if (metadata.OfType<ResponseHeader>().Any(h => h.Name == "ETag") && operation.Parameters?.Any(p => p.Name == "If-Match") == true)
                foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.Name == "If-Match"))
                    parameter.Description ??= "The ETag you read: 412 if the resource changed since.";
            return Task.CompletedTask;
        });
        return options;
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument? document, int status)
    {
        operation.Responses ??= [];
        operation.Responses.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
        {
            Description = ApiResults.TitleFor(status),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
            },
        });
    }

    public static void AddRequestHeader(OpenApiOperation operation, string name, string description, JsonSchemaType type = JsonSchemaType.String)
    {
        operation.Parameters ??= [];
        if (operation.Parameters.Any(p => p.Name == name && p.In == ParameterLocation.Header)) return;
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name, In = ParameterLocation.Header, Description = description, Schema = new OpenApiSchema { Type = type },
        });
    }

    private static void Add(OpenApiResponse response, string name, string description, string? format = null, JsonSchemaType type = JsonSchemaType.String)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers.TryAdd(name, new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type, Format = format } });
    }

    /// <summary>Problems carry members beyond RFC 9457's five: every one a traceId, conflicts the blocking operation, and so on.</summary>
    private static void AllowExtensions(OpenApiSchema problem)
    {
        problem.AdditionalPropertiesAllowed = true;
        problem.AdditionalProperties = null;
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties.TryAdd("traceId", new OpenApiSchema { Type = JsonSchemaType.String, Description = "Names this request in the portal's logs and traces." });
        problem.Properties.TryAdd("blockingOperation", new OpenApiSchema
        {
            Type = JsonSchemaType.String, Format = "uuid", Description = "On a 409: the active operation that holds the cluster.",
        });
        problem.Properties.TryAdd("blockingOperationUrl", new OpenApiSchema { Type = JsonSchemaType.String, Description = "On a 409: where to follow it." });
        problem.Properties.TryAdd("errors", new OpenApiSchema
        {
            Type = JsonSchemaType.Object, Description = "Per field, what is wrong with it.",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        });
    }

    /// <summary>Each schema and every schema inside it, once.</summary>
    private static void Walk(IOpenApiSchema? node, HashSet<OpenApiSchema>? seen = null)
    {
        if (node is not OpenApiSchema schema || !(seen ??= []).Add(schema)) return;
        // An enum of strings is a string (a generator needs the type to make one).
        if (schema.Enum is { Count: > 0 } values && schema.Type is null)
            schema.Type = values.Aggregate((JsonSchemaType)0, (type, v) => type | (v is null ? JsonSchemaType.Null : v.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.Number => JsonSchemaType.Integer,
                System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => JsonSchemaType.Boolean,
                System.Text.Json.JsonValueKind.Null => JsonSchemaType.Null,
                _ => JsonSchemaType.String,
            }));
        // oneOf [null, X] says "exactly one": a null that X also admits (an open JsonNode) would match neither way.
        if (schema.OneOf is { Count: > 0 } choices && choices.Any(c => c is OpenApiSchema { Type: JsonSchemaType.Null }))
        {
            schema.AnyOf = choices;
            schema.OneOf = null;
        }
        foreach (var child in new[] { schema.Items, schema.AdditionalProperties, schema.Not }
            .Concat(schema.Properties?.Values ?? []).Concat(schema.AllOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.OneOf ?? []))
            Walk(child, seen);
    }
}
