using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConsulHealth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Zone",
                table: "Operations",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FailingChecksJson",
                table: "Clusters",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Health",
                table: "Clusters",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                // Clusters deployed before health checks existed are unknown until the monitor's first check.
                defaultValue: "Unknown");

            migrationBuilder.AddColumn<long>(
                name: "HealthCheckedAt",
                table: "Clusters",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "NextHealthCheckAt",
                table: "Clusters",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ZoneOutage",
                table: "Clusters",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ClusterHealthChecks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CheckedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Trigger = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StatusChanged = table.Column<bool>(type: "INTEGER", nullable: false),
                    ReportJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterHealthChecks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ClusterHealthChecks_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_NextHealthCheckAt",
                table: "Clusters",
                column: "NextHealthCheckAt");

            migrationBuilder.CreateIndex(
                name: "IX_ClusterHealthChecks_ClusterId_CheckedAt",
                table: "ClusterHealthChecks",
                columns: new[] { "ClusterId", "CheckedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClusterHealthChecks");

            migrationBuilder.DropIndex(
                name: "IX_Clusters_NextHealthCheckAt",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Zone",
                table: "Operations");

            migrationBuilder.DropColumn(
                name: "FailingChecksJson",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Health",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "HealthCheckedAt",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "NextHealthCheckAt",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "ZoneOutage",
                table: "Clusters");
        }
    }
}
