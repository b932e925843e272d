using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class TokenParents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ParentTokenId",
                table: "PersonalAccessTokens",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_PersonalAccessTokens_ParentTokenId",
                table: "PersonalAccessTokens",
                column: "ParentTokenId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_PersonalAccessTokens_ParentTokenId",
                table: "PersonalAccessTokens");

            migrationBuilder.DropColumn(
                name: "ParentTokenId",
                table: "PersonalAccessTokens");
        }
    }
}
