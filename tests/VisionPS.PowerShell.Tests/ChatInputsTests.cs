using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text.Json;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>PDFs, URL images for servers that cannot fetch them, and Responses streaming, as users run Send-VisionChat and Add-AssistantImage.</summary>
    public sealed class ChatInputsTests : LocalEndpointTests
    {
        public ChatInputsTests()
            : base("sk-chat-inputs-test", "inputs", maxRetries: 0)
        {
        }

        private string Write(string name, byte[] bytes)
        {
            string path = Path.Combine(Work, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

        private static JsonElement Answer(PSObject result) => JsonDocument.Parse((string)result.Properties["Text"].Value).RootElement;

        [Fact]
        public void APdfGoesAsItIsInOneRequestWithTheImages()
        {
            string invoice = Write("invoice.pdf", SamplePdfs.Text(3));
            using var ps = Session();

            PSObject result = ps.Run("Send-VisionChat 'What is the total?' -Image $args", invoice, Paths.CorpusFile("gif_static_smile_48.gif")).Single();

            Assert.Empty(ps.Errors);
            JsonElement answer = Answer(result);
            Assert.Equal(1, answer.GetProperty("image_count").GetInt32());
            JsonElement file = answer.GetProperty("files")[0];
            Assert.Equal(("invoice.pdf", 3, Sha(invoice)), (file.GetProperty("filename").GetString(), file.GetProperty("pages").GetInt32(), file.GetProperty("sha256").GetString()));
        }

        [Fact]
        public void PerImageSendsEachPdfOnItsOwnAndABadOneIsATypedErrorNamingIt()
        {
            string a = Write("a.pdf", SamplePdfs.Text(60)), b = Write("b.pdf", SamplePdfs.Text(60));
            string cut = Write("cut.pdf", File.ReadAllBytes(a).Take(400).ToArray());
            using var ps = Session();

            var together = ps.Run("Send-VisionChat 'Compare' -Image $args", a, b);
            Assert.Empty(together);
            ErrorRecord tooMany = Assert.Single(ps.Errors);
            Assert.StartsWith("PdfTooManyPages,", tooMany.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("a.pdf, b.pdf have 120 pages together", tooMany.ToString(), StringComparison.Ordinal);

            var each = ps.Run("Send-VisionChat 'Total?' -Image $args -PerImage -Api Responses", a, cut, b);
            Assert.Equal(2, each.Count);
            Assert.Equal(new[] { 60, 60 }, each.Select(r => Answer(r).GetProperty("files")[0].GetProperty("pages").GetInt32()));
            ErrorRecord damaged = Assert.Single(ps.Errors);
            Assert.StartsWith("PdfDamaged,", damaged.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(cut, damaged.TargetObject);
        }

        [Fact]
        public void AnUploadedPdfIsAttachedToAConversationAsAnInputFile()
        {
            string statement = Write("statement.pdf", SamplePdfs.Text(2));
            using var ps = Session();

            PSObject message = ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'My statement.'", statement).Single();

            Assert.Empty(ps.Errors);
            string conversation = (string)message.Properties["ConversationId"].Value;
            string fileId = ((System.Collections.IEnumerable)message.Properties["FileIds"].Value).Cast<object>().Select(o => o.ToString()!).Single();
            Assert.Equal("user_data", Host.State.Files[fileId].Purpose);
            var item = Host.State.Conversations[conversation].Items[0];
            Assert.Equal("input_file", (string?)item["content"]![1]!["type"]);
            Assert.Equal(fileId, (string?)item["content"]![1]!["file_id"]);
        }

        [Fact]
        public void APdfAndImagesAreAttachedInTheOrderGiven()
        {
            string statement = Write("statement.pdf", SamplePdfs.Text(1));
            string cat = Paths.CorpusFile("jpg_gray_cat_512.jpg"), smile = Paths.CorpusFile("gif_static_smile_48.gif");
            using var ps = Session();

            PSObject message = ps.Run("Add-AssistantImage -Image $args[0], $args[1], $args[2] -Prompt 'In this order.'", cat, statement, smile).Single();

            Assert.Empty(ps.Errors);
            string conversation = (string)message.Properties["ConversationId"].Value;
            var content = Host.State.Conversations[conversation].Items[0]["content"]!.AsArray();
            Assert.Equal(new[] { "input_text", "input_image", "input_file", "input_image" }, content.Select(c => (string?)c!["type"]));
            var fileIds = ((System.Collections.IEnumerable)message.Properties["FileIds"].Value).Cast<object>().Select(o => o.ToString()!).ToList();
            Assert.Equal(new[] { "vision", "user_data", "vision" }, fileIds.Select(id => Host.State.Files[id].Purpose));
            Assert.Equal(fileIds[1], (string?)content[2]!["file_id"]);
            Assert.Equal(new[] { cat, statement, smile }, ((System.Collections.IEnumerable)message.Properties["ImageSources"].Value).Cast<object>().Select(o => o.ToString()));
        }

        /// <summary>
        /// An image URL, given to -Image or as the Path of a piped object (what Import-Csv makes of a column of links: it
        /// is that URL, not a missing file), is downloaded and sent inline to a server that cannot fetch URLs.
        /// </summary>
        [Theory]
        [InlineData("Send-VisionChat 'Who is this?' -Image $args[0] -Model fault:no-image-urls -Verbose")]
        [InlineData("[pscustomobject]@{ Path = $args[0] } | Send-VisionChat 'Who is this?' -Model fault:no-image-urls -Verbose")]
        public void AUrlImageIsDownloadedAndSentInlineToAServerThatCannotFetchUrls(string script)
        {
            byte[] png = File.ReadAllBytes(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));
            Uri url = Host.AddAsset("wizard.png", png);
            using var ps = Session();

            PSObject result = ps.Run(script, url.AbsoluteUri).Single();

            Assert.Empty(ps.Errors);
            JsonElement image = Answer(result).GetProperty("images")[0];
            Assert.Equal("data_url", image.GetProperty("source").GetString());
            Assert.Contains(ps.Verbose, v => v.Contains($"{url.AbsoluteUri}: downloaded ({png.Length} bytes) and sent inline", StringComparison.Ordinal)
                                             && v.Contains("is not OpenAI or Azure OpenAI", StringComparison.Ordinal));
        }

        [Fact]
        public void StreamWorksWithTheResponsesApiAndIsRefusedWithPerImage()
        {
            using var ps = Session();
            int before = Host.Requests.Count;

            PSObject result = ps.Run("Send-VisionChat 'Stream it.' -Image $args[0] -Api Responses -Stream", Paths.CorpusFile("gif_static_smile_48.gif")).Single();

            Assert.Empty(ps.Errors);
            Assert.Equal("Stream it.", Answer(result).GetProperty("prompt").GetString());
            string body = Host.Requests.Skip(before).Single(r => r.Path.EndsWith("/responses", StringComparison.Ordinal)).BodyText;
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("stream").GetBoolean());

            int sent = Host.Requests.Count;
            Assert.Empty(ps.Run("Send-VisionChat 'x' -Image $args[0] -Stream -PerImage", Paths.CorpusFile("gif_static_smile_48.gif")));
            ErrorRecord refused = Assert.Single(ps.Errors);
            Assert.StartsWith("StreamNotSupported,", refused.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("cannot be used with -PerImage", refused.ToString(), StringComparison.Ordinal);
            Assert.Equal(sent, Host.Requests.Count);
        }
    }
}
