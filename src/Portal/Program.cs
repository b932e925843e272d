using Portal;
using Portal.Api;
using Portal.Clusters;
using Portal.Components;
using Portal.Data;
using Portal.Deployments;

var builder = WebApplication.CreateBuilder(args);

builder.AddPortalConfiguration();
builder.AddPortalData();
builder.AddDeployments();
builder.AddClusters();
builder.AddPortalApi();
builder.AddPortalUi();

var app = builder.Build();

await app.Services.MigratePortalDatabaseAsync();

app.UseExceptionHandler();
if (!app.Environment.IsDevelopment()) app.UseHsts();
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/api"),
    ui => ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UsePortalApi();
app.UseAntiforgery();

app.MapPortalApi();
app.MapPortalUi();

app.Run();

public partial class Program;
