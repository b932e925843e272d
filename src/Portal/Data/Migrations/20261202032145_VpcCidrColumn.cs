using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class VpcCidrColumn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "VpcCidr",
                table: "Clusters",
                type: "TEXT",
                maxLength: 18,
                nullable: false,
                defaultValue: "");

            // Existing clusters take their range from the spec they were stored with (camelCase, see PortalJson).
            migrationBuilder.Sql("""UPDATE "Clusters" SET "VpcCidr" = json_extract("SpecJson", '$.vpcCidr');""");

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_VpcCidr",
                table: "Clusters",
                column: "VpcCidr");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Clusters_VpcCidr",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "VpcCidr",
                table: "Clusters");
        }
    }
}
