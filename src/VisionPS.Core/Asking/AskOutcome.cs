using System;
using System.Collections.Generic;
using System.Linq;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Asking
{
    /// <summary>What became of one image or one request.</summary>
    public enum AskOutcomeKind
    {
        /// <summary>The request was answered (live or from the answer cache).</summary>
        Answered,

        /// <summary>An image could not be read or prepared; <see cref="AskOutcome.Error"/> says why.</summary>
        ImageFailed,

        /// <summary>The request failed (<see cref="OpenAIRequestException"/>, including an unreadable answer).</summary>
        RequestFailed,

        /// <summary>The send gate declined the request (-WhatIf, or No at -Confirm): nothing was sent.</summary>
        NotSent,

        /// <summary>Images were given and none could be used: no request went out (reported once per run).</summary>
        NothingToSend,
    }

    /// <summary>One outcome of an <see cref="AskPipeline"/> run, in input order.</summary>
    public sealed class AskOutcome
    {
        internal AskOutcome(AskOutcomeKind kind, IReadOnlyList<AskedImage> images, string target, ChatAnswer? answer = null, Exception? error = null, bool fromCache = false)
        {
            Kind = kind;
            Images = images;
            Target = target;
            Answer = answer;
            Error = error;
            FromCache = fromCache;
        }

        /// <summary>What happened.</summary>
        public AskOutcomeKind Kind { get; }

        /// <summary>The images the request was about (empty for a failed image).</summary>
        public IReadOnlyList<AskedImage> Images { get; }

        /// <summary>The image (or the images, joined) this outcome is about, for messages.</summary>
        public string Target { get; }

        /// <summary>The answer, when <see cref="Kind"/> is Answered.</summary>
        public ChatAnswer? Answer { get; }

        /// <summary>The failure: an image error (ImageProcessingException, IOException, ...) or an OpenAIRequestException.</summary>
        public Exception? Error { get; }

        /// <summary>True when the answer came from the local answer cache.</summary>
        public bool FromCache { get; }

        /// <summary>The images' sources.</summary>
        public string[] Sources => Images.Select(i => i.Source).ToArray();

        /// <summary>The images' SHA-256 as sent.</summary>
        public string[] Sha256 => Images.Select(i => i.Sha256).ToArray();

        /// <summary>The images' estimated tokens, summed.</summary>
        public int EstimatedTokens => Images.Sum(i => i.EstimatedTokens);

        internal static string TargetOf(IReadOnlyList<AskedImage> images)
            => images.Count == 0 ? "(no images)" : string.Join(", ", images.Select(i => i.Source));
    }
}
