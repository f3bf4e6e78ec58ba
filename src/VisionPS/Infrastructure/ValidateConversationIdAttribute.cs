using System;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A -ConversationId must be a conversation id (conv_...), or where legacy threads are taken a thread id
    /// (thread_...). Anything else is refused in words: Add-AssistantImage's second positional argument is the
    /// conversation, so <c>Add-AssistantImage a.jpg b.jpg</c> (no comma) binds b.jpg there, and a regular expression
    /// in the error does not tell the user to separate the images with commas.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateConversationIdAttribute : ValidateArgumentsAttribute
    {
        private readonly bool _threads;

        /// <summary>Takes conv_... ids, and thread_... ids too when <paramref name="threads"/>.</summary>
        public ValidateConversationIdAttribute(bool threads)
        {
            _threads = threads;
        }

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            object? value = arguments is PSObject pso ? pso.BaseObject : arguments;
            string text = value as string ?? string.Empty;
            // Ignoring case, as the ValidatePattern it replaced did (Conv_abc was taken).
            if (Regex.IsMatch(text, _threads ? "^(conv|thread)_[A-Za-z0-9_-]+$" : "^conv_[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase))
            {
                return;
            }
            string ids = _threads ? "a conversation id (conv_...) or a legacy thread id (thread_...)" : "a conversation id (conv_...)";
            string message = $"'{text}' is not {ids}, as Add-AssistantImage writes them in its ConversationId.";
            if (_threads)
            {
                message += " The images come first and the conversation second: separate several images with commas (Add-AssistantImage a.jpg, b.jpg) or give them through the pipeline (Get-ChildItem *.jpg | Add-AssistantImage), and leave -ConversationId out to start a new conversation.";
            }
            throw new ValidationMetadataException(message);
        }
    }
}
