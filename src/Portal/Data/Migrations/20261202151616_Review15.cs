using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class Review15 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "PreviewOfId",
                table: "Operations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ExpiresAt",
                table: "Clusters",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ExpiryReminders",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RaisedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExpiryReminders", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExpiryReminders_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Operations_PreviewOfId",
                table: "Operations",
                column: "PreviewOfId",
                unique: true,
                filter: "\"PreviewOfId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_ExpiresAt",
                table: "Clusters",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_ExpiryReminders_ClusterId_Kind_ExpiresAt",
                table: "ExpiryReminders",
                columns: new[] { "ClusterId", "Kind", "ExpiresAt" },
                unique: true);

            // Clusters created with a time to live expire when they always did: creation plus the hours. Times are stored by
            // DateTimeOffsetToBinaryConverter as (ticks / 1000) << 11 with a zero offset (all UTC), so an hour is 36e6 << 11.
            migrationBuilder.Sql("""
                UPDATE "Clusters" SET "ExpiresAt" = "CreatedAt" + json_extract("SpecJson", '$.timeToLiveHours') * 36000000 * 2048
                WHERE json_extract("SpecJson", '$.timeToLiveHours') IS NOT NULL
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ExpiryReminders");

            migrationBuilder.DropIndex(
                name: "IX_Operations_PreviewOfId",
                table: "Operations");

            migrationBuilder.DropIndex(
                name: "IX_Clusters_ExpiresAt",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "PreviewOfId",
                table: "Operations");

            migrationBuilder.DropColumn(
                name: "ExpiresAt",
                table: "Clusters");
        }
    }
}
