using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>PDFs as Chat <c>file</c> parts, Responses <c>input_file</c>s and user_data uploads; every body checked against the spec.</summary>
    public sealed class PdfInputTests : EndpointTests
    {
        public PdfInputTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task ChatSendsAPdfAsAFilePartWithFileDataAndFilename()
        {
            using VisionClient client = Endpoint.Client();
            byte[] pdf = SamplePdfs.Text(3);
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "Total?" };
            request.Images.Add(VisionImageInput.FromPdf(pdf, "/home/me/invoice.pdf"));

            ChatAnswer result = await client.ChatAsync(request);

            JsonElement file = Answers.Parse(result).GetProperty("files").EnumerateArray().Single();
            Assert.Equal("file_data", file.GetProperty("source").GetString());
            Assert.Equal("invoice.pdf", file.GetProperty("filename").GetString());
            Assert.Equal(3, file.GetProperty("pages").GetInt32());
            Assert.Equal(TestImages.Sha256(pdf), file.GetProperty("sha256").GetString());
            string body = Endpoint.Host.Requests.Last(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)).BodyText;
            Assert.Contains("\"type\":\"file\"", body, StringComparison.Ordinal);
            Assert.Contains("\"file_data\":\"data:application/pdf;base64,JVBERi", body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ResponsesSendAPdfInlineAndAnUploadedOneAsInputFiles()
        {
            using VisionClient client = Endpoint.Client();
            byte[] inline = SamplePdfs.Text(1), uploaded = SamplePdfs.Text(2);
            VisionFile file = await client.UploadFileAsync(uploaded, "statement.pdf", "user_data");
            var request = new VisionRequest { Model = "gpt-5.4", Prompt = "Compare" };
            request.Images.Add(VisionImageInput.FromPdf(inline, "a.pdf"));
            request.Images.Add(VisionImageInput.FromPdfFileId(file.Id));

            ChatAnswer result = await client.RespondAsync(request);

            JsonElement[] files = Answers.Parse(result).GetProperty("files").EnumerateArray().ToArray();
            Assert.Equal(("file_data", "a.pdf", 1), (files[0].GetProperty("source").GetString(), files[0].GetProperty("filename").GetString(), files[0].GetProperty("pages").GetInt32()));
            Assert.Equal(("file", file.Id, 2), (files[1].GetProperty("source").GetString(), files[1].GetProperty("file_id").GetString(), files[1].GetProperty("pages").GetInt32()));
            Assert.Equal(TestImages.Sha256(uploaded), files[1].GetProperty("sha256").GetString());
        }

        [Fact]
        public async Task AnUploadedPdfIsAttachedToAConversationAsAnInputFile()
        {
            using VisionClient client = Endpoint.Client();
            VisionFile file = await client.UploadFileAsync(SamplePdfs.Text(1), "receipt.pdf", "user_data");
            string conversation = await client.CreateConversationAsync();

            await client.AddConversationItemAsync(conversation, "This month's receipt.", new[] { VisionImageInput.FromPdfFileId(file.Id) });

            ConversationState state = Endpoint.Host.State.Conversations[conversation];
            Assert.Equal("input_file", (string?)state.Items[0]["content"]![1]!["type"]);
            Assert.Equal(file.Id, (string?)state.Items[0]["content"]![1]!["file_id"]);
            Assert.Equal("user_data", Endpoint.Host.State.Files[file.Id].Purpose);
        }

        [Fact]
        public async Task TheEndpointRefusesAFilePartThatIsNoPdf()
        {
            using VisionClient client = Endpoint.Client();
            VisionFile vision = await client.UploadFileAsync(TestImages.Png(8, 8), "x.png", "vision");
            var request = new VisionRequest { Model = "gpt-4.1", Prompt = "x" };
            request.Images.Add(VisionImageInput.FromPdfFileId(vision.Id));

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(request));

            Assert.Equal(400, error.Status);
            Assert.Equal("messages[0].content[1].file.file_id", error.Param);
            Assert.Contains("purpose 'vision'", error.ServerMessage, StringComparison.Ordinal);
        }

        [Fact]
        public void APdfInputMustBeAPdf()
        {
            Assert.Throws<ArgumentException>(() => VisionImageInput.FromPdf(TestImages.Png(4, 4), "fake.pdf"));
        }
    }
}
