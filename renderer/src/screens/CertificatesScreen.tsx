import { useApiQuery } from '../api/use-api';
import { CertificateCard } from '../components/certificates/CertificateCard';
import { CertificateExpiryTile } from '../components/certificates/CertificateExpiryTile';
import { ImportCertificateForm } from '../components/certificates/ImportCertificateForm';
import { SmartCardPanel } from '../components/certificates/SmartCardPanel';
import { TrustAnchorsPanel } from '../components/certificates/TrustAnchorsPanel';
import { Empty, ErrorMessage, Loading, ScreenTitle } from '../components/states';
import '../components/certificates/certificates.css';

export function CertificatesScreen() {
  const certificates = useApiQuery('certificates:list', {});
  const environment = useApiQuery('environments:get', {});
  const selectedId = environment.data?.certificateId;
  return (
    <>
      <ScreenTitle description="Les certificats IGC-Santé de votre entité juridique, pour vous connecter à ViaTrajectoire.">
        Certificats
      </ScreenTitle>
      <CertificateExpiryTile />
      <section aria-labelledby="list-title">
        <h2 id="list-title">Certificats enregistrés</h2>
        {certificates.isPending && <Loading />}
        <ErrorMessage error={certificates.error} />
        {certificates.data && certificates.data.length === 0 && (
          <Empty>Aucun certificat : importez le fichier .p12 de votre entité juridique ci-dessous.</Empty>
        )}
        {certificates.data?.map((c) => (
          <CertificateCard key={c.id} certificate={c} selected={c.id === selectedId} />
        ))}
      </section>
      <ImportCertificateForm />
      <TrustAnchorsPanel />
      <SmartCardPanel cardCertificates={(certificates.data ?? []).filter((c) => c.source === 'pkcs11')} />
    </>
  );
}
