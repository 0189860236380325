-- placeholder: the store's helper writes the real schema
SELECT 1;
