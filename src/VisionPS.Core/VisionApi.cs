namespace VisionPS.Core
{
    /// <summary>The API a question goes through: Chat Completions or Responses (the -Api values of the cmdlets).</summary>
    public enum VisionApi
    {
        /// <summary>Chat Completions (/v1/chat/completions).</summary>
        Chat,

        /// <summary>The Responses API (/v1/responses).</summary>
        Responses,
    }
}
