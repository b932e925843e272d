using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Api;

namespace Portal.Identity;

public static class IdentityEndpoints
{
    public static RouteGroupBuilder MapIdentity(this RouteGroupBuilder api)
    {
        api.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
            {
                var tokens = antiforgery.GetAndStoreTokens(http);
                return TypedResults.Ok(new AntiforgeryTokenView(tokens.HeaderName!, tokens.RequestToken!));
            })
            // The answer is a CSRF token, the secret BREACH was first shown to recover: never compressed.
            .RequireAuthorization().Uncompressed().WithTags("Tokens").WithName("GetAntiforgeryToken")
            .ProducesHeader("Set-Cookie", "The antiforgery cookie the header's token is checked against.", StatusCodes.Status200OK)
            .WithSummary("For browser scripts using the sign-in cookie: the header to send with every POST, PATCH and DELETE");

        var teams = api.MapGroup("/teams").WithTags("Teams").RequireAuthorization(Policies.Admin);
        teams.MapGet("/", async (TeamAdministration admin, CancellationToken ct) => TypedResults.Ok(new TeamListView(await admin.ListAsync(ct))))
            .WithName("ListTeams").WithSummary("List teams and their members (admins)");
        teams.MapPost("/", async Task<Results<Created<TeamView>, ValidationProblem, ProblemHttpResult>> (CreateTeamRequest request, Caller caller, TeamAdministration admin, CancellationToken ct) =>
            Answer(await admin.CreateAsync(caller, request, ct), team => TypedResults.Created($"/api/v1/teams/{team.Name}", team)))
            .WithName("CreateTeam").WithSummary("Create a team (admins)").ProducesProblem(StatusCodes.Status409Conflict);
        teams.MapGet("/{name}", async Task<Results<Ok<TeamView>, ProblemHttpResult>> (string name, TeamAdministration admin, CancellationToken ct) =>
            await admin.FindAsync(name, ct) is { } team ? TypedResults.Ok(team) : ApiResults.NotFound($"No team named '{name}'."))
            .WithName("GetTeam").WithSummary("Get a team and its members (admins)").ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapPost("/{name}/members", async Task<Results<Ok<TeamView>, ValidationProblem, ProblemHttpResult>> (string name, TeamMemberRequest request, Caller caller, TeamAdministration admin, CancellationToken ct) =>
            Answer(await admin.AddMemberAsync(caller, name, request, ct), TypedResults.Ok))
            .WithName("AddTeamMember").WithSummary("Add a member to a team, or change their role (admins)").ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapDelete("/{name}/members", async Task<Results<Ok<TeamView>, ValidationProblem, ProblemHttpResult>> (string name, [FromQuery] string email, Caller caller, TeamAdministration admin, CancellationToken ct) =>
            Answer(await admin.RemoveMemberAsync(caller, name, email, ct), TypedResults.Ok))
            .WithName("RemoveTeamMember").WithSummary("Remove a member from a team (admins)").ProducesProblem(StatusCodes.Status404NotFound);

        var users = api.MapGroup("/users").WithTags("Teams").RequireAuthorization(Policies.Admin);
        users.MapPost("/", async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> (CreateUserRequest request, Caller caller, TeamAdministration admin, CancellationToken ct) =>
            Answer(await admin.CreateUserAsync(caller, request, ct), user => TypedResults.Created($"/api/v1/users/{user.Id}", user)))
            .WithName("CreateUser").WithSummary("Create a local account (admins)").ProducesProblem(StatusCodes.Status409Conflict);
        users.MapGet("/{id}", async Task<Results<Ok<UserView>, ProblemHttpResult>> (string id, TeamAdministration admin, CancellationToken ct) =>
            await admin.FindUserAsync(id, ct) is { } user ? TypedResults.Ok(user) : ApiResults.NotFound($"No user {id}."))
            .WithName("GetUser").WithSummary("Get an account by its id (admins)").ProducesProblem(StatusCodes.Status404NotFound);

        // Any signed-in person or token lists its owner's tokens; creating and revoking them with a token needs tokens:write.
        var tokens = api.MapGroup("/tokens").WithTags("Tokens").RequireAuthorization();
        tokens.MapGet("/", async (Caller caller, TokenAdministration admin, CancellationToken ct) =>
            TypedResults.Ok(new TokenListView(await admin.ListAsync(caller, ct))))
            .WithName("ListTokens").WithSummary("List your personal access tokens");
        tokens.MapPost("/", async Task<Results<Created<CreatedTokenView>, ValidationProblem, ProblemHttpResult>> (CreateTokenRequest request, Caller caller, TokenAdministration admin, CancellationToken ct) =>
            Answer(await admin.CreateAsync(caller, request, ct), token => TypedResults.Created($"/api/v1/tokens/{token.Details.Id}", token)))
            .RequireAuthorization(Policies.TokensWrite)
            .Uncompressed() // the answer carries the new token: never compressed beside text the caller chose (its name)
            .WithName("CreateToken").WithSummary("Create a personal access token; the answer is the only time it is shown");
        tokens.MapGet("/{id:guid}", async Task<Results<Ok<TokenView>, ProblemHttpResult>> (Guid id, Caller caller, TokenAdministration admin, CancellationToken ct) =>
            await admin.FindAsync(caller, id, ct) is { } token ? TypedResults.Ok(token) : ApiResults.NotFound($"You have no token {id}."))
            .WithName("GetToken").WithSummary("Get one of your personal access tokens (never the token itself)").ProducesProblem(StatusCodes.Status404NotFound);
        tokens.MapDelete("/{id:guid}", async Task<Results<Ok<TokenView>, ValidationProblem, ProblemHttpResult>> (Guid id, Caller caller, TokenAdministration admin, CancellationToken ct) =>
            Answer(await admin.RevokeAsync(caller, id, ct), TypedResults.Ok))
            .RequireAuthorization(Policies.TokensWrite)
            .WithName("RevokeToken").WithSummary("Revoke one of your tokens, and every token created with it").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static Results<TOk, ValidationProblem, ProblemHttpResult> Answer<T, TOk>(CommandResult<T> result, Func<T, TOk> ok) where TOk : IResult =>
        result.Status switch
        {
            CommandStatus.Ok => ok(result.Value!),
            CommandStatus.Invalid => ApiResults.Invalid(result.Errors!),
            CommandStatus.Conflict => ApiResults.Conflict(result),
            CommandStatus.Forbidden => ApiResults.Forbidden(result.Message!),
            _ => ApiResults.NotFound(result.Message!),
        };
}

public sealed record TeamListView(IReadOnlyList<TeamView> Items);
public sealed record TokenListView(IReadOnlyList<TokenView> Items);
