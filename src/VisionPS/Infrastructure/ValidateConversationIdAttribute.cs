using System;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A -ConversationId must be a conversation id (conv_...), or where legacy threads are taken a thread id
    /// (thread_...). Anything else is refused in words, not with a regular expression. Add-AssistantImage checks its
    /// -ConversationId itself with <see cref="Problem"/> (its first two positional arguments are an image and a
    /// conversation in either order, so the check waits until both are known).
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

        /// <summary>Whether <paramref name="text"/> is a conversation id (or, with <paramref name="threads"/>, a thread id), in any case.</summary>
        internal static bool IsId(string? text, bool threads) =>
            // Ignoring case, as the ValidatePattern it replaced did (Conv_abc was taken).
            text != null && Regex.IsMatch(text, threads ? "^(conv|thread)_[A-Za-z0-9_-]+$" : "^conv_[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        /// <summary>What is wrong with <paramref name="text"/> as a conversation id, in words; null when it is one.</summary>
        internal static string? Problem(string? text, bool threads)
        {
            if (IsId(text, threads))
            {
                return null;
            }
            string ids = threads ? "a conversation id (conv_...) or a legacy thread id (thread_...)" : "a conversation id (conv_...)";
            string message = $"'{text}' is not {ids}, as Add-AssistantImage writes them in its ConversationId.";
            if (threads)
            {
                message += " Separate several images with commas (Add-AssistantImage a.jpg, b.jpg) or give them through the pipeline (Get-ChildItem *.jpg | Add-AssistantImage), and leave the conversation out to start a new one.";
            }
            return message;
        }

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            object? value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (Problem(value as string ?? string.Empty, _threads) is string message)
            {
                throw new ValidationMetadataException(message);
            }
        }
    }
}
