using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Api;
using Portal.Data;
using Portal.Deployments;
using Portal.Identity;

namespace Portal.Clusters;

public static class ClusterEndpoints
{
    public static RouteGroupBuilder MapClusters(this RouteGroupBuilder api)
    {
        api.MapCatalog();
        api.MapClusterRollouts();
        var clusters = api.MapGroup("/clusters").WithTags("Clusters").RequireAuthorization(Policies.ClustersRead);
        clusters.MapPost("/", CreateAsync).WithName("CreateCluster").WithSummary("Request a new dual-AZ Consul cluster")
            .RequireAuthorization(Policies.ClustersWrite).Idempotent()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        clusters.MapGet("/", ListAsync).WithName("ListClusters").WithSummary("List your teams' clusters (admins: all), by name, a page at a time")
            .WithDescription("Each item is a summary (ClusterSummaryView): status, the essentials of the spec, instance counts and health, "
                + "without the cluster's outputs. GET /api/v1/clusters/{name} returns the whole cluster, outputs included.");
        clusters.MapGet("/{name}", GetAsync).WithName("GetCluster").WithSummary("Get a cluster; its ETag guards PATCH and DELETE")
            .WithDescription("The whole cluster: its spec, its outputs (every instance, address and endpoint) and its health. "
                + "With If-None-Match naming its current ETag, 304 and no body.")
            .ProducesETag(StatusCodes.Status200OK, StatusCodes.Status304NotModified)
            .Produces(StatusCodes.Status304NotModified).ProducesProblem(StatusCodes.Status404NotFound);
        clusters.MapPatch("/{name}", UpdateAsync).WithName("UpdateCluster").WithSummary("Change the client count or Consul version (enqueues an update), or the time to live")
            .WithDescription("clientCount and consulVersion enqueue an update (202). timeToLiveHours (1 to 720) sets the expiry to that many hours from now; "
                + "on its own it changes no resource and answers 200 with the cluster. Values out of range answer 400 naming the field.")
            .RequireAuthorization(Policies.ClustersWrite)
            .Accepts<UpdateClusterRequest>("application/merge-patch+json", "application/json").ProducesETag(StatusCodes.Status200OK, StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        clusters.MapDelete("/{name}", DestroyAsync).WithName("DestroyCluster").WithSummary("Destroy a cluster and every resource it has")
            .RequireAuthorization(Policies.ClustersWrite)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        clusters.MapPost("/{name}/preview", PreviewAsync).WithName("PreviewCluster")
            .WithSummary("Compute what deploying the cluster's spec (or a change to it) would create, update and delete; changes nothing")
            .WithDescription("The body is optional and takes the fields of PATCH (but timeToLiveHours, which changes no resource). The finished preview's "
                + "result lists each resource with its op (create, update, delete, unchanged) and the properties that change; "
                + "POST /api/v1/operations/{id}/apply then applies exactly that change.")
            .RequireAuthorization(Policies.ClustersWrite)
            .Idempotent().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        clusters.MapGet("/{name}/operations", OperationsAsync).WithName("ListClusterOperations").WithSummary("List a cluster's operations, newest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
        clusters.MapGet("/{name}/program", ProgramAsync).WithName("GetClusterProgram")
            .WithSummary("The Pulumi YAML program that deploys the cluster (secrets appear only as references)")
            .Produces<string>(StatusCodes.Status200OK, "application/yaml").ProducesFileName().ProducesProblem(StatusCodes.Status404NotFound);
        clusters.MapGet("/{name}/ca.pem", CaCertificateAsync).WithName("GetClusterCaCertificate")
            .WithSummary("The cluster's CA certificate (public), for CONSUL_CACERT: every agent's TLS certificate chains to it")
            .Produces<string>(StatusCodes.Status200OK, PemMediaType).ProducesFileName().ProducesProblem(StatusCodes.Status404NotFound);
        clusters.MapPost("/{name}/secrets/management-token", RevealManagementTokenAsync).WithName("RevealClusterManagementToken")
            .WithSummary("Reveal the cluster's Consul initial management token (its root credential); audited")
            .WithDescription("Only owners of the cluster's team and admins; a token needs clusters:write. Every reveal, and every refused attempt, "
                + "is recorded in the audit trail (never the value). The answer carries Cache-Control: no-store. A destroyed cluster answers 409.")
            .RequireAuthorization(Policies.ClustersWrite).Uncompressed()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        // Retrying enqueues work on the operation's cluster, as creating and changing it do; the route sits beside the operation it retries.
        api.MapPost("/operations/{id:guid}/retry", RetryAsync).WithTags("Operations").WithName("RetryOperation")
            .WithSummary("Run a failed or cancelled operation again: refresh, then complete what is missing")
            .RequireAuthorization(Policies.ClustersRead).RequireAuthorization(Policies.ClustersWrite)
            .Idempotent().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/operations/{id:guid}/apply", ApplyAsync).WithTags("Operations").WithName("ApplyPreview")
            .WithSummary("Apply a preview: start the update exactly as previewed")
            .WithDescription("409 when the cluster changed since the preview, when the preview was applied already, or when the operation is not a "
                + "preview that succeeded; 410 once the preview is older than Previews:Lifetime (1 hour by default). Review again with a new preview.")
            .RequireAuthorization(Policies.ClustersRead).RequireAuthorization(Policies.ClustersWrite)
            .Idempotent().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> ApplyAsync(
        Guid id, Caller caller, ClusterCommands commands, CancellationToken cancellationToken) =>
        Enqueued(await commands.ApplyPreviewAsync(caller, id, cancellationToken));

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateClusterRequest request, Caller caller, ClusterCommands commands, CancellationToken cancellationToken) =>
        Enqueued(await commands.CreateAsync(caller, request, cancellationToken));

    private static async Task<Results<Ok<ClusterListView>, ValidationProblem>> ListAsync(
        ClusterReads reads, Caller caller, HttpRequest http,
        [FromQuery, Description("Only clusters in this status (requested, provisioning, ready, degraded, failed, destroying, destroyed); all but destroyed when omitted.")] string? status,
        [FromQuery, Description("Only clusters of this team.")] string? team,
        [FromQuery, Description("Only clusters whose name contains this text.")] string? q,
        [FromQuery, Description("Page size, 1 to 200; 50 when omitted.")] int? limit,
        [FromQuery, Description("The cursor from the previous page's 'next' link.")] string? cursor,
        CancellationToken cancellationToken)
    {
        if (!Pagination.TryRead(limit, cursor, 3, out var take, out var after, out var errors)) return ApiResults.Invalid(errors);
        if (!ApiQuery.TryParseEnum<ClusterStatus>(status, out var wanted))
            return ApiResults.Invalid("status", $"'status' is one of: {ApiQuery.Names<ClusterStatus>()}.");
        if (q is { Length: > 64 }) return ApiResults.Invalid("q", "'q' is at most 64 characters.");

        ClusterCursor? start = null;
        if (after is [var name, var ticks, var id])
        {
            if (!Pagination.TryReadTime(ticks, out var createdAt) || !Guid.TryParse(id, out var lastId))
                return ApiResults.Invalid("cursor", "'cursor' is not a cursor of this list.");
            start = new ClusterCursor(name, createdAt, lastId);
        }
        var page = await reads.ListAsync(caller, new ClusterFilter(wanted, team, q), start, take, cancellationToken);
        var next = Pagination.NextLink(http, page.Items, take, page.Next is not null,
            _ => Pagination.Encode(page.Next!.Name, page.Next.CreatedAt.UtcTicks.ToString(), page.Next.Id.ToString()));
        return TypedResults.Ok(new ClusterListView(page.Items, next));
    }

    private static async Task<Results<Ok<ClusterView>, StatusCodeHttpResult, ProblemHttpResult>> GetAsync(string name, ClusterReads reads, Caller caller, HttpContext http, CancellationToken cancellationToken)
    {
        if (await reads.FindAsync(caller, name, cancellationToken) is not { } cluster) return ApiResults.NotFound($"No cluster named '{name}'.");
        if (ConditionalRequests.IsNotModified(http, ClusterETag.Of(cluster))) return ConditionalRequests.NotModified();
        return TypedResults.Ok(ClusterView.From(cluster));
    }

    private static async Task<Results<Ok<ClusterView>, Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string name, UpdateClusterRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        ClusterReads reads, Caller caller, ClusterCommands commands, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await CheckPreconditionAsync(reads, caller, name, ifMatch, cancellationToken) is { } failed) return failed;
        if (request is { IsEmpty: true, TimeToLiveHours: { } hours })
        {
            var set = await commands.SetTimeToLiveAsync(caller, name, hours, cancellationToken);
            // A refused change changed nothing, so there is no new version to tell.
            if (set.Status == CommandStatus.Ok) await SetETagAsync(reads, caller, name, response, cancellationToken);
            return set.Status switch
            {
                CommandStatus.Ok => TypedResults.Ok(set.Value),
                CommandStatus.Invalid => ApiResults.Invalid(set.Errors!),
                _ => Problem(set),
            };
        }
        // The update is validated with the time to live and enqueued first, so that a refused one sets nothing.
        var update = await commands.UpdateAsync(caller, name, request, cancellationToken);
        if (update.Status == CommandStatus.Ok && request.TimeToLiveHours is { } extend
            && await commands.SetTimeToLiveAsync(caller, name, extend, cancellationToken) is { Status: CommandStatus.Ok, Value: { } cluster })
            update = update with { Value = update.Value! with { Cluster = cluster } };
        // The version the accepted change starts from; a refused one changed nothing, so there is no new version to tell.
        if (update.Status == CommandStatus.Ok) await SetETagAsync(reads, caller, name, response, cancellationToken);
        return update.Status switch
        {
            CommandStatus.Ok => Accepted(update.Value!),
            CommandStatus.Invalid => ApiResults.Invalid(update.Errors!),
            _ => Problem(update),
        };
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> DestroyAsync(
        string name, [FromHeader(Name = "If-Match")] string? ifMatch, Caller caller, ClusterReads reads, ClusterCommands commands, CancellationToken cancellationToken)
    {
        if (await CheckPreconditionAsync(reads, caller, name, ifMatch, cancellationToken) is { } failed) return failed;
        return Enqueued(await commands.DestroyAsync(caller, name, cancellationToken));
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> PreviewAsync(
        string name, [FromBody] UpdateClusterRequest? request, Caller caller, ClusterCommands commands, CancellationToken cancellationToken) =>
        Enqueued(await commands.PreviewAsync(caller, name, request, cancellationToken));

    private static async Task<Results<Ok<OperationListView>, ValidationProblem, ProblemHttpResult>> OperationsAsync(
        string name, PortalDbContext db, ClusterReads reads, Caller caller, HttpRequest http,
        [FromQuery, Description("Only operations in this state (queued, running, succeeded, failed, cancelling, cancelled).")] string? status,
        [FromQuery, Description("Only operations of this kind (create, update, preview, refresh, destroy, zone-outage, zone-restore).")] string? kind,
        [FromQuery, Description("Page size, 1 to 200; 50 when omitted.")] int? limit,
        [FromQuery, Description("The cursor from the previous page's 'next' link.")] string? cursor,
        CancellationToken cancellationToken)
    {
        if (await reads.FindAsync(caller, name, cancellationToken) is not { } cluster) return ApiResults.NotFound($"No cluster named '{name}'.");
        return await OperationLists.PageAsync(db, http, db.Operations.Where(o => o.ClusterId == cluster.Id),
            new OperationFilter(status, kind, null, null, limit, cursor), cancellationToken);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ProgramAsync(string name, HttpContext http, ClusterReads reads, Caller caller, CancellationToken cancellationToken)
    {
        if (await reads.FindAsync(caller, name, cancellationToken) is not { } cluster) return ApiResults.NotFound($"No cluster named '{name}'.");
        http.Response.Headers.ContentDisposition = $"inline; filename=\"Pulumi.{cluster.Name}.yaml\"";
        return TypedResults.Text(ClusterProgram.Of(cluster).Yaml, "application/yaml");
    }

    private const string PemMediaType = "application/x-pem-file";

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> CaCertificateAsync(
        string name, HttpContext http, Caller caller, ClusterSecretsCommands secrets, CancellationToken cancellationToken)
    {
        if (await secrets.CaCertificateAsync(caller, name, cancellationToken) is not { } ca) return ApiResults.NotFound($"No cluster named '{name}'.");
        // Cluster names are DNS-style slugs, so the file name needs no quoting.
        http.Response.Headers.ContentDisposition = $"attachment; filename={ClusterSecretsCommands.CaFileName(ca.Cluster)}";
        return TypedResults.Text(ca.Pem, PemMediaType);
    }

    private static async Task<Results<Ok<ManagementTokenView>, ProblemHttpResult>> RevealManagementTokenAsync(
        string name, HttpContext http, Caller caller, ClusterSecretsCommands secrets, CancellationToken cancellationToken)
    {
        var result = await secrets.RevealManagementTokenAsync(caller, name, cancellationToken);
        // A root credential must not linger in a browser's or a proxy's cache, whatever the outcome.
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return result.Status switch
        {
            CommandStatus.Ok => TypedResults.Ok(result.Value),
            CommandStatus.Forbidden => ApiResults.Forbidden(result.Message!),
            CommandStatus.Conflict => ApiResults.Conflict(result),
            _ => ApiResults.NotFound(result.Message!),
        };
    }

    /// <summary>
    /// An <c>If-Match</c> that names another version of the cluster answers 412: someone changed it since the caller looked.
    /// Checked just before the command rather than inside its transaction: the row changes only when an operation
    /// finishes, and while one is active the one-active-operation index refuses the command with 409 anyway.
    /// </summary>
    private static async Task<ProblemHttpResult?> CheckPreconditionAsync(ClusterReads reads, Caller caller, string name, string? ifMatch, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(ifMatch)) return null;
        var cluster = await reads.FindAsync(caller, name, cancellationToken);
        if (cluster is null || cluster.Status == ClusterStatus.Destroyed) return ApiResults.NotFound($"No cluster named '{name}'.");
        return ClusterETag.Matches(ifMatch, cluster)
            ? null
            : ApiResults.PreconditionFailed($"Cluster '{name}' changed since you read it: its ETag is now {ClusterETag.Of(cluster)}. Read it again and retry.");
    }

    private static async Task SetETagAsync(ClusterReads reads, Caller caller, string name, HttpResponse response, CancellationToken cancellationToken)
    {
        if (await reads.FindAsync(caller, name, cancellationToken) is { } cluster) response.Headers.ETag = ClusterETag.Of(cluster);
    }

    private static async Task<Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult>> RetryAsync(
        Guid id, Caller caller, ClusterCommands commands, CancellationToken cancellationToken) =>
        Enqueued(await commands.RetryAsync(caller, id, cancellationToken));

    internal static Results<Accepted<ClusterOperationView>, ValidationProblem, ProblemHttpResult> Enqueued(CommandResult<ClusterOperationView> result) =>
        result.Status switch
        {
            CommandStatus.Ok => Accepted(result.Value!),
            CommandStatus.Invalid => ApiResults.Invalid(result.Errors!),
            _ => Problem(result),
        };

    private static Accepted<ClusterOperationView> Accepted(ClusterOperationView enqueued) =>
        TypedResults.Accepted($"/api/v1/operations/{enqueued.Operation.Id}", enqueued);

    /// <summary>A command that was refused for anything but its input, as its problem response.</summary>
    private static ProblemHttpResult Problem<T>(CommandResult<T> result) => result.Status switch
    {
        CommandStatus.Conflict => ApiResults.Conflict(result),
        CommandStatus.Forbidden => ApiResults.Forbidden(result.Message!),
        CommandStatus.Gone => ApiResults.Gone(result.Message!),
        _ => ApiResults.NotFound(result.Message!),
    };
}

/// <summary>A page of cluster summaries; <see cref="Next"/> is the URL of the next page, null on the last.</summary>
[Description("A page of clusters, each a summary without outputs; `next` is the URL of the next page, null on the last.")]
public sealed record ClusterListView(IReadOnlyList<ClusterSummaryView> Items, string? Next = null);

