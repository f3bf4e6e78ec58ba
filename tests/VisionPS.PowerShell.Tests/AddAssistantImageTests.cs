using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json.Nodes;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Add-AssistantImage as users call it by position: the conversation given first (as main documented it), the
    /// images first, a message piped in, and images that cannot be used; what reaches the service each time.
    /// </summary>
    public sealed class AddAssistantImageTests : LocalEndpointTests
    {
        public AddAssistantImageTests()
            : base("sk-add-assistant-image-test", "assistant", maxRetries: 0)
        {
        }

        private static string Icon => Paths.CorpusFile("gif_static_smile_48.gif");

        private static string Cat => Paths.CorpusFile("jpg_gray_cat_512.jpg");

        /// <summary>A conversation made the ordinary way, with one message in it.</summary>
        private string StartConversation(PowerShellSession ps)
        {
            PSObject first = ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'First.'", Icon).Single();
            Assert.Empty(ps.Errors);
            return (string)first.Properties["ConversationId"].Value;
        }

        private static string Conversation(PSObject message) => (string)message.Properties["ConversationId"].Value;

        private static string[] Types(JsonObject item) => item["content"]!.AsArray().Select(c => (string)c!["type"]!).ToArray();

        private static string Errors(PowerShellSession ps) => string.Join(" | ", ps.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e));

        [Fact]
        public void ImagesPipedWithTheConversationGivenFirstGoToThatConversation()
        {
            using var ps = Session();
            string conversation = StartConversation(ps);
            int conversations = Host.State.Conversations.Count;

            // Get-ChildItem a.gif, b.jpg | Add-AssistantImage $m.ConversationId
            PSObject message = ps.Run("$args[1..2] | ForEach-Object { $ExecutionContext.InvokeProvider.Item.Get($_) } | Add-AssistantImage $args[0]",
                conversation, Icon, Cat).Single();

            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversation, Conversation(message));
            Assert.Equal(conversations, Host.State.Conversations.Count);
            JsonObject added = Host.State.Conversations[conversation].Items.Last();
            Assert.Equal(new[] { "input_image", "input_image" }, Types(added));
        }

        [Fact]
        public void APromptWithTheConversationGivenFirstIsPostedToThatConversation()
        {
            using var ps = Session();
            string conversation = StartConversation(ps);
            int conversations = Host.State.Conversations.Count;

            PSObject message = ps.Run("Add-AssistantImage $args[0] -Prompt 'A note.'", conversation).Single();

            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversation, Conversation(message));
            Assert.Equal(conversations, Host.State.Conversations.Count);
            JsonObject added = Host.State.Conversations[conversation].Items.Last();
            Assert.Equal(new[] { "input_text" }, Types(added));
            Assert.Equal("A note.", (string?)added["content"]![0]!["text"]);
        }

        [Fact]
        public void TheConversationFirstAndTheImageSecondAreTakenAsTheyWereMeant()
        {
            using var ps = Session();
            string conversation = StartConversation(ps);
            int conversations = Host.State.Conversations.Count;

            // Add-AssistantImage conv_x photo.jpg, and the same with an AssistantMessage first.
            PSObject message = ps.Run("Add-AssistantImage $args[0] $args[1]", conversation, Cat).Single();
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversation, Conversation(message));
            PSObject again = ps.Run("Add-AssistantImage $args[0] $args[1]", message, Icon).Single();
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversation, Conversation(again));

            Assert.Equal(conversations, Host.State.Conversations.Count);
            Assert.Equal(3, Host.State.Conversations[conversation].Items.Count);
        }

        [Fact]
        public void AConversationIdInAnyCaseIsTakenAsOneAndAFileWithSuchANameStaysAnImage()
        {
            using var ps = Session();
            int conversations = Host.State.Conversations.Count;

            // An id in another case is the conversation (the service says whether it exists), not a missing image.
            ps.Run("Add-AssistantImage CONV_nothere -Prompt 'A note.'");
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("AssistantImageFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("CONV_nothere", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(conversations, Host.State.Conversations.Count);

            // A file that is there is an image, whatever its name.
            File.Copy(Icon, Path.Combine(Work, "conv_icon"));
            ps.Run("$null = $ExecutionContext.SessionState.Path.SetLocation($args[0])", Work);
            PSObject message = ps.Run("Add-AssistantImage conv_icon").Single();
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversations + 1, Host.State.Conversations.Count);
            Assert.Equal(new[] { "input_image" }, Types(Host.State.Conversations[Conversation(message)].Items.Single()));
        }

        [Fact]
        public void TwoImagesWithoutACommaAreStillAParameterErrorThatSendsNothing()
        {
            using var ps = Session();
            int requests = Host.Requests.Count;

            ps.Run("Add-AssistantImage $args[0] $args[1]", Icon, Cat);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ParameterArgumentValidationError,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains($"'{Cat}' is not a conversation id (conv_...)", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("commas", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(requests, Host.Requests.Count);
        }

        [Fact]
        public void WhenNoImageGivenCanBeUsedNothingIsCreatedOrPostedAndAWarningSaysSo()
        {
            using var ps = Session();
            string conversation = StartConversation(ps);
            int items = Host.State.Conversations[conversation].Items.Count;
            string nope = Path.Combine(Work, "nope.jpg");
            string garbage = Path.Combine(Work, "garbage.jpg");
            File.WriteAllBytes(garbage, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
            int requests = Host.Requests.Count;

            foreach (string script in new[]
            {
                "Add-AssistantImage -Image $args[0]",                                  // a file that is not there
                "Add-AssistantImage -Image $args[1] -Prompt 'These.'",                 // a file that is no image
                "Add-AssistantImage $args[2] $args[0] -Prompt 'A note.'",              // to a conversation: no note alone
                "Add-AssistantImage -ConversationId $args[2]",                         // neither an image nor a prompt
            })
            {
                ps.Run(script, nope, garbage, conversation);

                Assert.All(ps.Errors, e => Assert.DoesNotContain("System.", e.FullyQualifiedErrorId, StringComparison.Ordinal));
                Assert.Contains(ps.Warnings, w => w.Contains("nothing was sent", StringComparison.Ordinal));
                Assert.True(Host.Requests.Count == requests, script + ": " + string.Join("; ", Host.Requests.Skip(requests).Select(r => r.Method + " " + r.Path)));
            }
            Assert.Equal(items, Host.State.Conversations[conversation].Items.Count);

            // The missing file's advice names what this cmdlet has (no -Path or -LiteralPath), as ConvertTo-VisionImage's does.
            ps.Run("Add-AssistantImage -Image $args[0]", nope);
            string missing = Assert.Single(ps.Errors).ToString();
            Assert.Contains($"Cannot find the image file '{nope}'", missing, StringComparison.Ordinal);
            Assert.DoesNotContain("-Path expands", missing, StringComparison.Ordinal);
            Assert.Contains("Get-Item -LiteralPath", missing, StringComparison.Ordinal);
            ps.Run("$null = ConvertTo-VisionImage -Path $args[0]", nope);
            Assert.Contains("-LiteralPath does not", Assert.Single(ps.Errors).ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void AMessagePipedInNamesTheConversationAndIsNotReadAsAnImage()
        {
            using var ps = Session();
            PSObject first = ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'First.'", Icon).Single();
            string conversation = Conversation(first);
            int conversations = Host.State.Conversations.Count;

            // $m | Add-AssistantImage more.jpg: the message binds -ConversationId and is no image given.
            PSObject more = ps.Run("$args[0] | Add-AssistantImage $args[1]", first, Cat).Single();
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversation, Conversation(more));
            Assert.Equal(new[] { "input_image" }, Types(Host.State.Conversations[conversation].Items.Last()));

            // $m | Add-AssistantImage -Prompt 'A note.': the note goes to the message's conversation.
            PSObject note = ps.Run("$args[0] | Add-AssistantImage -Prompt 'A note.'", first).Single();
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.Equal(conversation, Conversation(note));
            Assert.Equal(new[] { "input_text" }, Types(Host.State.Conversations[conversation].Items.Last()));
            Assert.Equal(conversations, Host.State.Conversations.Count);
            Assert.Equal(3, Host.State.Conversations[conversation].Items.Count);
        }

        [Fact]
        public void AMessageThatIsNoImageIsRefusedWithAdviceForTheCmdletThatRuns()
        {
            using var ps = Session();
            PSObject first = ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'First.'", Icon).Single();
            PSObject other = ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'Other.'", Icon).Single();

            // Piped into another conversation's message: the message is no image, and the advice is for Add-AssistantImage.
            ps.Run("$null = $args[0] | Add-AssistantImage $args[1] -ConversationId $args[2]", first, Cat, Conversation(other));
            ErrorRecord refused = Assert.Single(ps.Errors);
            Assert.StartsWith("InvalidImageInput,", refused.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("Add-AssistantImage", refused.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Send-VisionChat", refused.ToString(), StringComparison.Ordinal);

            // Add-VisionFile cannot take a conversation: the advice says where to ask about the images instead.
            ps.Run("$null = $args[0] | Add-VisionFile", first);
            ErrorRecord file = Assert.Single(ps.Errors);
            Assert.StartsWith("InvalidImageInput,", file.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("Add-VisionFile", file.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void RemoveVisionFileTakesTheFilesOfAMessageGivenByPositionAndRefusesAnObjectThatNamesNone()
        {
            using var ps = Session();
            PSObject message = ps.Run("Add-AssistantImage -Image $args[0], $args[1] -Prompt 'Two.'", Icon, Cat).Single();
            string[] files = ((System.Collections.IEnumerable)message.Properties["FileIds"].Value).Cast<object>().Select(o => o.ToString()!).ToArray();
            Assert.Equal(2, files.Length);
            Assert.All(files, f => Assert.True(Host.State.Files.ContainsKey(f)));

            // Remove-VisionFile $m: the message's FileIds, as piping it binds them.
            ps.Run("Remove-VisionFile $args[0] -Confirm:$false", message);
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.All(files, f => Assert.False(Host.State.Files.ContainsKey(f)));

            // An object that names no file is refused in words before anything is sent (it was sent as its text).
            Host.State.Assets["smile.gif"] = File.ReadAllBytes(Icon);
            PSObject urlOnly = ps.Run("Add-AssistantImage -Image $args[0]", new Uri(Host.Root, "assets/smile.gif").AbsoluteUri).Single();
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            // "$m" counts the URL image it attached, not only the files it uploaded ("(0 file(s))" said nothing was).
            Assert.EndsWith("(1 image(s) attached, 0 uploaded)", urlOnly.BaseObject.ToString(), StringComparison.Ordinal);
            Assert.EndsWith("(2 image(s) attached, 2 uploaded)", message.BaseObject.ToString(), StringComparison.Ordinal);
            int requests = Host.Requests.Count;
            foreach (object given in new object[] { urlOnly, new PSObject(new { Name = "x" }) })
            {
                ps.Run("Remove-VisionFile $args[0] -Confirm:$false", given);
                ErrorRecord error = Assert.Single(ps.Errors);
                Assert.StartsWith("ParameterArgumentTransformationError,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
                Assert.Contains("names no file", error.ToString(), StringComparison.Ordinal);
                ps.Run("$args[0] | Remove-VisionFile -Confirm:$false", given);
                Assert.NotEmpty(ps.Errors);
            }
            Assert.Equal(requests, Host.Requests.Count);

            // Piped objects still bind by property name: an Id, a FileId, a message's FileIds.
            string one = ps.Run<string>("(Add-VisionFile -Image $args[0]).Id", Icon).Single();
            ps.Run("[pscustomobject]@{ FileId = $args[0] } | Remove-VisionFile -Confirm:$false", one);
            Assert.True(ps.Errors.Count == 0, Errors(ps));
            Assert.False(Host.State.Files.ContainsKey(one));
        }
    }
}
