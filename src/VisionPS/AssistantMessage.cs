using System.Collections.Generic;

namespace VisionPS
{
    /// <summary>What Add-AssistantImage attached, and where: continue with Send-VisionChat -ConversationId.</summary>
    public sealed class AssistantMessage
    {
        internal AssistantMessage(string kind, string conversationId, string messageId, IReadOnlyList<string> fileIds, IReadOnlyList<string> imageSources)
        {
            Kind = kind;
            ConversationId = conversationId;
            MessageId = messageId;
            FileIds = new StringList(fileIds);
            ImageSources = new StringList(imageSources);
        }

        /// <summary>Conversation (Responses + Conversations) or Thread (legacy Assistants v2).</summary>
        public string Kind { get; }

        /// <summary>The conversation id (conv_...) or thread id (thread_...).</summary>
        public string ConversationId { get; }

        /// <summary>The conversation item id or thread message id.</summary>
        public string MessageId { get; }

        /// <summary>Ids of the files uploaded for the local images (purpose vision); reads as "a; b" in Export-Csv.</summary>
        public StringList FileIds { get; }

        /// <summary>The images attached (paths or URLs), in order.</summary>
        public StringList ImageSources { get; }

        /// <summary>"conv_... msg_... (N image(s) attached, M uploaded)": what a string of it ("$msg", Write-Host) shows; a URL image is attached, not uploaded.</summary>
        public override string ToString() => $"{ConversationId} {MessageId} ({ImageSources.Count} image(s) attached, {FileIds.Count} uploaded)";
    }
}
