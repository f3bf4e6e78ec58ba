using System;
using System.Management.Automation;
using System.Security;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Lets a SecureString parameter (-ApiKey) take a plain string as well, as scripts pass keys read from vaults and
    /// pipelines: the string becomes a read-only SecureString at binding, and is never echoed anywhere.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <summary>A string (or a PSObject wrapping one) becomes a read-only SecureString; anything else is left to PowerShell's binder.</summary>
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is string text)
            {
                var secure = new SecureString();
                foreach (char c in text)
                {
                    secure.AppendChar(c);
                }
                secure.MakeReadOnly();
                return secure;
            }
            return inputData;
        }
    }
}
